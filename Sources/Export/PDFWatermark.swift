import CPangoCairo
import Foundation

/// The document's watermark: its text repeated diagonally across the whole page, light grey
/// and mostly transparent.
///
/// Drawn last on each page, over the content: under it, the agents' shaded bubbles and the
/// images would hide it (a cropped screenshot of a bubble would carry no mark). At 12 % alpha
/// of mid grey, the text under it goes from 10 % to 15 % grey and white paper to 94 %: the
/// mark is plain to see and the text stays as readable (checked on 60 dpi page renders).
///
/// The tiles are recorded once into a cairo recording surface and painted on every page, so
/// the PDF holds them once as a form XObject that each page references, instead of ~40 text
/// runs a page.
final class PDFWatermark {
    static let angle = -30.0 * Double.pi / 180
    static let alpha = 0.12
    static let fontSize = 20.0
    static let rowStep = 110.0
    static let gap = 90.0

    private let tiles: OpaquePointer

    init(text: String, context: PangoTextContext) throws(ExportRenderError) {
        var extents = cairo_rectangle_t(x: 0, y: 0, width: PDFCanvas.pageWidth, height: PDFCanvas.pageHeight)
        guard let tiles = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &extents) else {
            throw ExportRenderError("PDF: no recording surface for the watermark")
        }
        self.tiles = tiles
        guard let cr = cairo_create(tiles) else { throw ExportRenderError("PDF: no context for the watermark") }
        defer { cairo_destroy(cr) }

        let font = try PangoFont(size: Self.fontSize)
        let layout = try PangoText(context, font: font)
        layout.setWidth(nil)
        layout.setText(text)
        let (width, height) = layout.size
        guard width > 0 else { return }

        let w = PDFCanvas.pageWidth, h = PDFCanvas.pageHeight
        let reach = (w * w + h * h).squareRoot() / 2 + width
        let columnStep = width + Self.gap
        let (cosA, sinA) = (cos(Self.angle), sin(Self.angle))
        PDFColor.set(cr, (0.5, 0.5, 0.5), alpha: Self.alpha)
        var row = 0
        var v = -reach
        while v <= reach {
            // Every other row shifted by half a tile, so the marks do not line up in columns.
            var u = -reach + (row % 2 == 0 ? 0 : columnStep / 2)
            while u <= reach {
                // The tile's centre on the page; tiles wholly off the page are not drawn.
                let cx = w / 2 + u * cosA - v * sinA
                let cy = h / 2 + u * sinA + v * cosA
                if cx > -width / 2, cx < w + width / 2, cy > -width / 2, cy < h + width / 2 {
                    cairo_save(cr)
                    cairo_translate(cr, cx, cy)
                    cairo_rotate(cr, Self.angle)
                    layout.draw(on: cr, x: -width / 2, y: -height / 2)
                    cairo_restore(cr)
                }
                u += columnStep
            }
            v += Self.rowStep
            row += 1
        }
        if let failure = PDFCanvas.failure(cairo_status(cr), doing: "drawing the watermark") { throw failure }
    }

    deinit { cairo_surface_destroy(tiles) }

    func draw(on cr: OpaquePointer) {
        cairo_save(cr)
        cairo_set_source_surface(cr, tiles, 0, 0)
        cairo_paint(cr)
        cairo_restore(cr)
    }
}
