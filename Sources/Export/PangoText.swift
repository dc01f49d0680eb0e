import CPangoCairo

/// The Pango font map and context one renderer lays its text out with.
///
/// A font map of its own (not `pango_cairo_font_map_get_default`, which is per thread) so a
/// renderer may be driven from whichever thread a Swift task resumes on, and so its font cache
/// is freed with it.
final class PangoTextContext {
    let fontMap: UnsafeMutablePointer<PangoFontMap>
    let context: OpaquePointer

    init(for cr: OpaquePointer) throws(ExportRenderError) {
        guard let fontMap = pango_cairo_font_map_new() else { throw ExportRenderError("PDF: no Pango font map") }
        guard let context = pango_font_map_create_context(fontMap) else {
            g_object_unref(UnsafeMutableRawPointer(fontMap))
            throw ExportRenderError("PDF: no Pango context")
        }
        self.fontMap = fontMap
        self.context = context
        // Takes the PDF surface's font options: no hinting, unhinted metrics, so line breaks
        // do not depend on a screen resolution.
        pango_cairo_update_context(cr, context)
    }

    deinit {
        g_object_unref(UnsafeMutableRawPointer(context))
        g_object_unref(UnsafeMutableRawPointer(fontMap))
    }
}

/// A parsed Pango font description. Each style is parsed once per renderer and set once on
/// the layout that draws it (Pango copies it there), never per message; freed when released.
final class PangoFont {
    /// Noto Sans CJK SC first: it holds Latin, Chinese, Japanese kana and Korean hangul, so
    /// mixed lines keep one look; the others only catch what it lacks.
    static let families = "Noto Sans CJK SC, Noto Sans, sans-serif"

    let description: OpaquePointer

    init(size: Double, bold: Bool = false, italic: Bool = false) throws(ExportRenderError) {
        let spec = "\(Self.families) \(bold ? "Bold " : "")\(italic ? "Italic " : "")\(size)"
        guard let description = pango_font_description_from_string(spec) else {
            throw ExportRenderError("PDF: bad font description \(spec)")
        }
        self.description = description
    }

    deinit { pango_font_description_free(description) }
}

/// One line of a laid-out paragraph, in points from the layout's top-left corner.
struct PangoLine {
    var line: UnsafeMutablePointer<PangoLayoutLine>
    /// Left edge of the line's logical box (non-zero for centred or right-to-left lines).
    var x: Double
    var width: Double
    var top: Double
    var bottom: Double
    var baseline: Double
}

/// A PangoLayout reused for every paragraph of one style: creating a layout per message costs
/// a GObject and a context copy each time, and re-setting text on one layout is what Pango
/// expects.
final class PangoText {
    let layout: OpaquePointer

    init(_ text: PangoTextContext, font: PangoFont) throws(ExportRenderError) {
        guard let layout = pango_layout_new(text.context) else { throw ExportRenderError("PDF: no Pango layout") }
        self.layout = layout
        pango_layout_set_font_description(layout, font.description)
        // Word boundaries first, then any character: Chinese has no spaces, URLs are long.
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR)
    }

    deinit { g_object_unref(UnsafeMutableRawPointer(layout)) }

    /// Wrapping width in points; `nil` for one unbroken line per paragraph.
    func setWidth(_ points: Double?) {
        pango_layout_set_width(layout, points.map { Int32(($0 * Double(PANGO_SCALE)).rounded()) } ?? -1)
    }

    func setAlignment(_ alignment: PangoAlignment) { pango_layout_set_alignment(layout, alignment) }

    func setText(_ text: String) {
        let clean = PangoText.plain(text)
        clean.withCString { pango_layout_set_text(layout, $0, -1) }
    }

    /// Pango markup; every interpolated value must have gone through `escape`.
    func setMarkup(_ markup: String) {
        markup.withCString { pango_layout_set_markup(layout, $0, -1) }
    }

    /// The layout's lines, appended to `lines` (cleared first, capacity kept: no allocation per message).
    func lines(into lines: inout [PangoLine]) {
        lines.removeAll(keepingCapacity: true)
        guard let iter = pango_layout_get_iter(layout) else { return }
        defer { pango_layout_iter_free(iter) }
        let scale = Double(PANGO_SCALE)
        repeat {
            guard let line = pango_layout_iter_get_line_readonly(iter) else { continue }
            var logical = PangoRectangle()
            pango_layout_iter_get_line_extents(iter, nil, &logical)
            let baseline = pango_layout_iter_get_baseline(iter)
            lines.append(PangoLine(line: line, x: Double(logical.x) / scale, width: Double(logical.width) / scale,
                                   top: Double(logical.y) / scale, bottom: Double(logical.y + logical.height) / scale,
                                   baseline: Double(baseline) / scale))
        } while pango_layout_iter_next_line(iter) != 0
    }

    /// Logical size in points.
    var size: (width: Double, height: Double) {
        var width: Int32 = 0
        var height: Int32 = 0
        pango_layout_get_size(layout, &width, &height)
        return (Double(width) / Double(PANGO_SCALE), Double(height) / Double(PANGO_SCALE))
    }

    /// Draws the whole layout with its top-left corner at (x, y).
    func draw(on cr: OpaquePointer, x: Double, y: Double) {
        cairo_move_to(cr, x, y)
        pango_cairo_show_layout(cr, layout)
    }

    /// Text Pango and C strings accept: C0 controls (other than tab and line breaks) and DEL
    /// become spaces, since a NUL would end the C string early and the others draw as boxes.
    static func plain(_ text: String) -> String {
        guard text.utf8.contains(where: { ($0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D) || $0 == 0x7F }) else {
            return text
        }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let v = scalar.value
            out.append((v < 0x20 && v != 0x09 && v != 0x0A && v != 0x0D) || v == 0x7F ? " " : scalar)
        }
        return String(out)
    }

    /// `text` made safe inside Pango markup.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in plain(text) {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(ch)
            }
        }
        return out
    }
}
