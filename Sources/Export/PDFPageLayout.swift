import CPangoCairo

/// Where things go on an A4 portrait page (595 × 842 pt), in points from the top-left corner.
enum PDFPageLayout {
    static let margin = 40.0
    static let left = margin
    static let right = PDFCanvas.pageWidth - margin
    static let columnWidth = right - left
    /// The running header (title, tenant) sits in the top margin, above this rule.
    static let headerBaselineY = 26.0
    static let headerRuleY = 32.0
    static let contentTop = 46.0
    static let contentBottom = PDFCanvas.pageHeight - 44.0
    static let footerRuleY = PDFCanvas.pageHeight - 36.0
    static let footerTop = PDFCanvas.pageHeight - 30.0

    /// Bubbles take at most 70 % of the column, so the side a message sits on reads at a glance.
    static let bubbleWidth = 360.0
    static let bubblePadding = 6.0
    static let bubbleTextWidth = bubbleWidth - 2 * bubblePadding
    /// Between one message and the next sender line.
    static let messageGap = 7.0
    /// Between a sender line and its bubble.
    static let metaGap = 2.0
}

/// Colours as RGB in 0...1; kept light so a printed transcript stays readable in greyscale.
enum PDFColor {
    static let text = (0.10, 0.10, 0.12)
    static let meta = (0.42, 0.42, 0.46)
    static let system = (0.45, 0.45, 0.48)
    static let rule = (0.78, 0.78, 0.80)
    static let agentBubble = (0.90, 0.94, 0.99)
    static let customerBorder = (0.80, 0.80, 0.83)
    static let headerFill = (0.965, 0.965, 0.97)

    static func set(_ cr: OpaquePointer, _ c: (Double, Double, Double), alpha: Double = 1) {
        if alpha >= 1 { cairo_set_source_rgb(cr, c.0, c.1, c.2) } else { cairo_set_source_rgba(cr, c.0, c.1, c.2, alpha) }
    }
}

/// The running header (document title left, tenant right) and the "page N" footer.
/// The total is not known while pages stream out, so the footer says "page N" only.
final class PDFPageChrome {
    private let text: PangoText
    private let title: String
    private let tenant: String

    init(_ context: PangoTextContext, font: PangoFont, title: String, tenant: String) throws(ExportRenderError) {
        text = try PangoText(context, font: font)
        text.setWidth(PDFPageLayout.columnWidth)
        pango_layout_set_ellipsize(text.layout, PANGO_ELLIPSIZE_END)
        self.title = title
        self.tenant = tenant
    }

    func drawHeader(on cr: OpaquePointer) {
        PDFColor.set(cr, PDFColor.meta)
        text.setWidth(PDFPageLayout.columnWidth * 0.68)
        text.setAlignment(PANGO_ALIGN_LEFT)
        text.setText(title)
        text.draw(on: cr, x: PDFPageLayout.left, y: PDFPageLayout.headerRuleY - 4 - text.size.height)
        text.setWidth(PDFPageLayout.columnWidth * 0.30)
        text.setAlignment(PANGO_ALIGN_RIGHT)
        text.setText(tenant)
        text.draw(on: cr, x: PDFPageLayout.right - PDFPageLayout.columnWidth * 0.30,
                  y: PDFPageLayout.headerRuleY - 4 - text.size.height)
        rule(on: cr, y: PDFPageLayout.headerRuleY)
    }

    func drawFooter(on cr: OpaquePointer, page: Int) {
        rule(on: cr, y: PDFPageLayout.footerRuleY)
        PDFColor.set(cr, PDFColor.meta)
        text.setWidth(PDFPageLayout.columnWidth)
        text.setAlignment(PANGO_ALIGN_CENTER)
        text.setText("page \(page)")
        text.draw(on: cr, x: PDFPageLayout.left, y: PDFPageLayout.footerTop)
    }

    private func rule(on cr: OpaquePointer, y: Double) {
        PDFColor.set(cr, PDFColor.rule)
        cairo_set_line_width(cr, 0.5)
        cairo_move_to(cr, PDFPageLayout.left, y)
        cairo_line_to(cr, PDFPageLayout.right, y)
        cairo_stroke(cr)
    }
}
