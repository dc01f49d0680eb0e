/// Text made to fit an Excel cell.
///
/// No formula neutralising here, unlike CSV: `worksheet_write_string` stores a string
/// cell (`t="inlineStr"` in constant-memory mode), which Excel shows as text and never
/// evaluates, so `=cmd|' /C calc'!A0` stays those characters. Only
/// `worksheet_write_formula` makes formulas, and the renderer never calls it.
/// Control characters need nothing either: libxlsxwriter writes them as `_xHHHH_`,
/// which keeps the XML valid and Excel reads back as the character.
enum XLSXText {
    /// Excel's limit for one cell, in UTF-16 code units (what Excel counts as characters).
    static let cellLimit = 32_767
    static let truncationMarker = " …[truncated]"

    /// `text`, cut (at a character boundary, with `truncationMarker`) to Excel's cell
    /// limit: libxlsxwriter refuses longer strings, and Excel would refuse to open the
    /// file if it did not, so one overlong message would otherwise fail the whole export.
    /// The CSV and TXT files carry the whole text. NUL becomes U+FFFD because a C
    /// string ends at the first one, which would cut the text silently.
    static func fitted(_ text: String) -> String {
        var text = text
        if text.utf8.contains(0) {
            text = text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}")
        }
        // UTF-16 never needs more units than UTF-8 needs bytes, so most text stops here cheaply.
        guard text.utf8.count > cellLimit, text.utf16.count > cellLimit else { return text }
        let budget = cellLimit - truncationMarker.utf16.count
        var used = 0
        var end = text.startIndex
        for index in text.indices {
            let width = text[index].utf16.count
            if used + width > budget { break }
            used += width
            end = text.index(after: index)
        }
        return String(text[..<end]) + truncationMarker
    }
}
