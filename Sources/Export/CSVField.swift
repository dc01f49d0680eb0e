/// One CSV field's bytes: formula neutralising, then RFC 4180 quoting.
public enum CSVField {
    /// Appends `text` as a field, neutralised if a spreadsheet would take it for a formula.
    ///
    /// Text from customers and agents (and names, tags, fields an admin typed) is
    /// untrusted: a field starting with `=`, `+`, `-` or `@` is evaluated by Excel,
    /// LibreOffice and Google Sheets when the CSV is opened, and a leading tab or CR
    /// can hide such a start from a naive check while the application still trims it.
    /// As OWASP recommends, such a field gets a leading `'`, which spreadsheets show as
    /// text and do not evaluate. This applies to every text field, `-1+2` included:
    /// whether a minus starts a number or a formula is the application's guess, and
    /// guessing is what injection relies on. Our own numbers (counts, seconds, sizes)
    /// are written by `appendInteger` and never neutralised; a spreadsheet reads them
    /// as numbers, and none are negative.
    public static func appendText(_ text: String, to buffer: inout [UInt8]) {
        let neutralise = startsLikeFormula(text)
        let needsQuotes = text.utf8.contains { $0 == comma || $0 == quote || $0 == cr || $0 == lf }
        if needsQuotes { buffer.append(quote) }
        if neutralise { buffer.append(apostrophe) }
        if needsQuotes {
            for byte in text.utf8 {
                // RFC 4180: a quote inside a quoted field is written twice.
                if byte == quote { buffer.append(quote) }
                buffer.append(byte)
            }
            buffer.append(quote)
        } else {
            buffer.append(contentsOf: text.utf8)
        }
    }

    public static func appendInteger(_ value: Int64, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: String(value).utf8)
    }

    private static func startsLikeFormula(_ text: String) -> Bool {
        text.utf8.first.map { formulaStarts.contains($0) } ?? false
    }

    private static let formulaStarts: Set<UInt8> = [
        UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), UInt8(ascii: "\t"), 0x0D,
    ]
    private static let comma = UInt8(ascii: ",")
    private static let quote = UInt8(ascii: "\"")
    private static let apostrophe = UInt8(ascii: "'")
    private static let cr: UInt8 = 0x0D
    private static let lf: UInt8 = 0x0A
}
