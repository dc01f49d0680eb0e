/// Untrusted text made safe and readable for a plain-text transcript.
enum TranscriptText {
    /// The lines of a message, CRLF and lone CR counted as line ends like LF.
    static func lines(_ text: String) -> [Substring] {
        let cleaned = visible(text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n"))
        return cleaned.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// One line for a header field: a name or tag with a line break in it must not
    /// start a line of its own, where it could pass for a line the file wrote.
    static func singleLine(_ text: String) -> String {
        visible(text.replacingOccurrences(of: "\r\n", with: " ")
            .replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " "))
    }

    /// Control characters other than tab and line feed become U+FFFD: a transcript is
    /// read in terminals too, where ESC and C1 sequences from a customer's message
    /// would otherwise move the cursor, retitle the window or hide lines.
    static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isHidden) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            scalars.append(isHidden(scalar) ? "\u{FFFD}" : scalar)
        }
        return String(scalars)
    }

    /// `0:30:00`: people read transcripts, so durations are clock-like.
    static func duration(_ seconds: Int) -> String {
        let clamped = max(0, seconds)
        let minutes = clamped / 60 % 60
        let secs = clamped % 60
        return "\(clamped / 3600):\(minutes < 10 ? "0" : "")\(minutes):\(secs < 10 ? "0" : "")\(secs)"
    }

    /// `512 B`, `12.3 KB`, `4.5 MB` (binary multiples, as file managers show them).
    static func size(_ bytes: Int64) -> String {
        let units = ["KB", "MB", "GB", "TB"]
        guard bytes >= 1024 else { return "\(bytes) B" }
        var value = Double(bytes) / 1024
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }

    /// `Agent`, `Customer`, `System`; another side as given, capitalised.
    static func side(_ senderSide: String) -> String {
        guard let first = senderSide.first else { return "" }
        return singleLine(first.uppercased() + senderSide.dropFirst())
    }

    private static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A: false
        case 0x00...0x1F, 0x7F...0x9F: true
        default: false
        }
    }
}
