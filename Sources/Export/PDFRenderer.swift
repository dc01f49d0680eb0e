import CPangoCairo
import Foundation

/// A chat transcript as PDF (A4 portrait), written page by page as rows arrive: a page is
/// drawn, shown (`cairo_show_page` writes it to the file) and forgotten, so memory does not
/// grow with the number of messages.
///
/// Layout: page 1 opens with the document's title block. Each conversation opens with a
/// facts block and starts on a new page (the first shares page 1 with the title block), so
/// one conversation can be printed or handed over on its own pages. Customer messages sit on
/// the left in an outlined bubble, agent messages on the right in a shaded one, system
/// messages centred in grey; a sender line (time, name, side) above each bubble, and the
/// date whenever it changes. Text longer than the rest of a page continues on the next, line
/// by line. Every page carries a running header (title, tenant), "page N" and the watermark.
public final class PDFRenderer: ExportRenderer {
    private enum State {
        case open
        case finished
        case failed(ExportRenderError)
    }

    /// A block of laid-out lines and the box drawn behind each page's share of it.
    private struct Block {
        var x: Double
        var width: Double
        var padding: Double
        var fill: (Double, Double, Double)?
        var border: (Double, Double, Double)?
        var color: (Double, Double, Double)
        /// Subtracted from each line's x: a shrink-wrapped bubble starts where its lines start.
        var shift: Double
    }

    private let document: ExportDocument
    private let imageLoader: ImageLoader?
    private let clock: PDFClock
    // Each of these frees its own C objects when released, so an init that throws half-way
    // (or a renderer dropped without finish) leaks nothing and leaves no partial file.
    private let canvas: PDFCanvas
    private let pango: PangoTextContext
    private let body: PangoText
    private let system: PangoText
    private let meta: PangoText
    private let facts: PangoText
    private let chrome: PDFPageChrome
    private let watermark: PDFWatermark?
    /// Height of one sender or date line, measured once.
    private let metaLineHeight: Double

    private var state = State.open
    private var lines: [PangoLine] = []
    private var page = 0
    private var y = PDFPageLayout.contentTop
    /// Nothing drawn below the running header yet: whatever comes next is placed here even if
    /// it does not fit, which is what keeps an oversized block from asking for pages forever.
    private var pageIsEmpty = true
    /// A conversation's facts block is on this page: the next conversation starts a new one.
    private var conversationOnPage = false
    private var day: Int?
    private var conversationCount = 0
    /// Images drawn on the current page, released once it is shown. cairo records a page
    /// before writing it and keeps a copy-on-write snapshot of each source surface: releasing
    /// ours while the page is open makes cairo copy the pixels and keep the copy until the page
    /// is written. 100 photos of 4000 × 3000 px (48 MB of pixels each) peaked at 206 MB
    /// resident when released right after drawing, and stayed at 69 MB (as text-only pages) when held here.
    private var pageImages: [PDFImage] = []

    public init(document: ExportDocument, destination: URL, imageLoader: ImageLoader?) throws {
        self.document = document
        self.imageLoader = imageLoader
        clock = PDFClock(timeZone: document.timeZone)
        canvas = try PDFCanvas(destination: destination, title: document.title)
        pango = try PangoTextContext(for: canvas.cr)
        let bodyFont = try PangoFont(size: 9.5)
        let systemFont = try PangoFont(size: 8.5, italic: true)
        let metaFont = try PangoFont(size: 7.5)
        let factsFont = try PangoFont(size: 8.5)

        body = try PangoText(pango, font: bodyFont)
        body.setWidth(PDFPageLayout.bubbleTextWidth)
        system = try PangoText(pango, font: systemFont)
        system.setWidth(PDFPageLayout.columnWidth)
        system.setAlignment(PANGO_ALIGN_CENTER)
        meta = try PangoText(pango, font: metaFont)
        pango_layout_set_ellipsize(meta.layout, PANGO_ELLIPSIZE_END)
        meta.setText("0")
        metaLineHeight = meta.size.height
        facts = try PangoText(pango, font: factsFont)
        facts.setWidth(PDFPageLayout.columnWidth - 2 * PDFPageLayout.bubblePadding)
        if let tabs = pango_tab_array_new(1, 1) {
            pango_tab_array_set_tab(tabs, 0, PANGO_TAB_LEFT, Int32(PDFConversationHeader.keyColumn))
            pango_layout_set_tabs(facts.layout, tabs)
            pango_tab_array_free(tabs)
        }
        // Negative: first line flush, wrapped lines start under the values.
        pango_layout_set_indent(facts.layout, -Int32(PDFConversationHeader.keyColumn * Double(PANGO_SCALE)))

        chrome = try PDFPageChrome(pango, font: metaFont, title: document.title, tenant: document.tenantName)
        if let text = document.watermark, !text.isEmpty {
            watermark = try PDFWatermark(text: text, context: pango)
        } else {
            watermark = nil
        }

        try run { () throws(ExportRenderError) in
            beginPage()
            try drawTitleBlock()
        }
    }

    public func add(_ conversation: ExportConversation) throws {
        try run { () throws(ExportRenderError) in
            if conversationOnPage { try newPage() }
            conversationOnPage = true
            conversationCount += 1
            day = nil
            facts.setMarkup(PDFConversationHeader.markup(conversation, document: document, clock: clock))
            facts.lines(into: &lines)
            try flow(Block(x: PDFPageLayout.left, width: PDFPageLayout.columnWidth, padding: PDFPageLayout.bubblePadding,
                           fill: PDFColor.headerFill, border: PDFColor.rule, color: PDFColor.text, shift: 0))
            y += 10
        }
    }

    public func add(_ message: ExportMessage) throws {
        try run { () throws(ExportRenderError) in try place(message) }
    }

    public func finish() throws {
        try run { () throws(ExportRenderError) in
            if conversationCount == 0 {
                system.setText("No conversations in this export.")
                system.lines(into: &lines)
                try flow(Block(x: PDFPageLayout.left, width: PDFPageLayout.columnWidth, padding: 0, fill: nil,
                               border: nil, color: PDFColor.system, shift: 0))
            }
            try endPage()
            try canvas.complete()
            state = .finished
        }
    }

    /// Runs one step; the first error sticks, so later calls fail the same way instead of
    /// drawing on a context cairo has put in an error state.
    private func run(_ step: () throws(ExportRenderError) -> Void) throws(ExportRenderError) {
        switch state {
        case .finished: throw ExportRenderError("PDF: the renderer was already finished")
        case .failed(let error): throw error
        case .open: break
        }
        do {
            try step()
        } catch {
            state = .failed(error)
            throw error
        }
    }

    // MARK: Pages

    private func beginPage() {
        page += 1
        chrome.drawHeader(on: canvas.cr)
        y = PDFPageLayout.contentTop
        pageIsEmpty = true
        conversationOnPage = false
    }

    private func endPage() throws(ExportRenderError) {
        chrome.drawFooter(on: canvas.cr, page: page)
        watermark?.draw(on: canvas.cr)
        try canvas.showPage()
        pageImages.removeAll()
    }

    private func newPage() throws(ExportRenderError) {
        let continuing = conversationCount > 0
        try endPage()
        beginPage()
        // A page that continues a conversation still belongs to it.
        conversationOnPage = continuing
    }

    /// Moves to a new page unless `height` more points fit on this one (or this one is empty).
    private func keep(_ height: Double) throws(ExportRenderError) {
        if !pageIsEmpty && y + height > PDFPageLayout.contentBottom { try newPage() }
    }

    // MARK: Blocks

    private func drawTitleBlock() throws(ExportRenderError) {
        let generated = "\(clock.dateTime(document.generatedAt)) (\(document.timeZone.identifier))"
        facts.setMarkup("<span size=\"x-large\" weight=\"bold\">\(PangoText.escape(document.title))</span>\n"
            + "<span foreground=\"#6b6b75\">\(PangoText.escape(document.tenantName)) · exported by "
            + "\(PangoText.escape(document.exporterName)) · \(PangoText.escape(generated))</span>")
        facts.lines(into: &lines)
        try flow(Block(x: PDFPageLayout.left, width: PDFPageLayout.columnWidth, padding: 0, fill: nil, border: nil,
                       color: PDFColor.text, shift: 0))
        y += 12
    }

    /// Draws `lines` (from one layout) top-down from `y`, moving to a new page whenever the
    /// next line does not fit; each page's share gets its own box. Always places at least one
    /// line on an empty page, so it ends even for a line taller than a page.
    private func flow(_ block: Block) throws(ExportRenderError) {
        let cr = canvas.cr
        var i = 0
        while i < lines.count {
            let room = PDFPageLayout.contentBottom - y - 2 * block.padding
            let top = lines[i].top
            var j = i
            while j < lines.count && lines[j].bottom - top <= room { j += 1 }
            if j == i {
                if !pageIsEmpty {
                    try newPage()
                    continue
                }
                j = i + 1
            }
            let height = lines[j - 1].bottom - top + 2 * block.padding
            if let fill = block.fill {
                PDFColor.set(cr, fill)
                cairo_rectangle(cr, block.x, y, block.width, height)
                cairo_fill(cr)
            }
            if let border = block.border {
                PDFColor.set(cr, border)
                cairo_set_line_width(cr, 0.6)
                cairo_rectangle(cr, block.x + 0.3, y + 0.3, block.width - 0.6, height - 0.6)
                cairo_stroke(cr)
            }
            PDFColor.set(cr, block.color)
            for k in i..<j {
                cairo_move_to(cr, block.x + block.padding + lines[k].x - block.shift,
                              y + block.padding + lines[k].baseline - top)
                pango_cairo_show_layout_line(cr, lines[k].line)
            }
            y += height
            pageIsEmpty = false
            i = j
            if i < lines.count { try newPage() }
        }
    }

    // MARK: Messages

    private func place(_ m: ExportMessage) throws(ExportRenderError) {
        let stamp = clock.stamp(m.sentAt)
        let newDay = stamp.day != day
        day = stamp.day
        let dateHeight = newDay ? metaLineHeight + 4 : 0

        if m.senderSide == "system" {
            system.setText("\(clock.time(stamp))  \(m.text.isEmpty ? "[\(m.kind)]" : m.text)")
            system.lines(into: &lines)
            try keep(dateHeight + (lines.first.map { $0.bottom - $0.top } ?? 0))
            if newDay { drawDate(stamp) }
            try flow(Block(x: PDFPageLayout.left, width: PDFPageLayout.columnWidth, padding: 0, fill: nil,
                           border: nil, color: PDFColor.system, shift: 0))
            y += PDFPageLayout.messageGap
            return
        }

        let agent = m.senderSide == "agent"
        var image: PDFImage?
        var imageFailed = false
        if document.embedImages, let a = m.attachment, a.isImage {
            if let data = imageLoader?(a), let loaded = try? PDFImage.load(data) {
                image = loaded
            } else {
                imageFailed = true
            }
        }

        let text = PDFMessageText.body(m, document: document, imageFailed: imageFailed, imageDrawn: image != nil)
        let pad = PDFPageLayout.bubblePadding
        var bubble: Block?
        if !text.isEmpty {
            body.setText(text)
            body.lines(into: &lines)
            var widest = 0.0
            var shift = Double.greatestFiniteMagnitude
            for line in lines {
                widest = max(widest, line.x + line.width)
                shift = min(shift, line.x)
            }
            if lines.isEmpty { shift = 0 }
            let width = min(PDFPageLayout.bubbleWidth, widest - shift + 2 * pad)
            bubble = Block(x: agent ? PDFPageLayout.right - width : PDFPageLayout.left, width: width, padding: pad,
                           fill: agent ? PDFColor.agentBubble : nil, border: agent ? nil : PDFColor.customerBorder,
                           color: PDFColor.text, shift: shift)
        }

        // The date, sender line and the first line of text (or the image) go on one page.
        let first = bubble != nil ? (lines.first.map { $0.bottom - $0.top + 2 * pad } ?? 0) : (image?.drawnSize.height ?? 0)
        try keep(dateHeight + metaLineHeight + PDFPageLayout.metaGap + first)
        if newDay { drawDate(stamp) }
        drawMeta(PDFMessageText.meta(time: clock.time(stamp), m: m), agent: agent)
        if let bubble { try flow(bubble) }
        if let image {
            let (w, h) = image.drawnSize
            if bubble != nil {
                y += PDFPageLayout.metaGap
                try keep(h)
            }
            image.draw(on: canvas.cr, x: agent ? PDFPageLayout.right - w : PDFPageLayout.left, y: y)
            pageImages.append(image)
            y += h
            pageIsEmpty = false
        }
        y += PDFPageLayout.messageGap
    }

    private func drawDate(_ stamp: PDFClock.Stamp) {
        PDFColor.set(canvas.cr, PDFColor.meta)
        meta.setWidth(PDFPageLayout.columnWidth)
        meta.setAlignment(PANGO_ALIGN_CENTER)
        meta.setText(clock.date(stamp))
        meta.draw(on: canvas.cr, x: PDFPageLayout.left, y: y)
        y += metaLineHeight + 4
        pageIsEmpty = false
    }

    private func drawMeta(_ text: String, agent: Bool) {
        PDFColor.set(canvas.cr, PDFColor.meta)
        meta.setWidth(PDFPageLayout.bubbleWidth)
        meta.setAlignment(agent ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT)
        meta.setText(text)
        meta.draw(on: canvas.cr, x: agent ? PDFPageLayout.right - PDFPageLayout.bubbleWidth : PDFPageLayout.left, y: y)
        y += metaLineHeight + PDFPageLayout.metaGap
        pageIsEmpty = false
    }
}
