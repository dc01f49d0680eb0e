import Foundation

/// The file name an export is saved as, from the requester's pattern with placeholders
/// (`{tenant}-{from}-{to}-{format}`), made safe for every file system and for
/// `Content-Disposition`.
public enum ExportFileName {
    public static let placeholders: Set<String> = ["tenant", "from", "to", "format", "date", "rows", "id", "user"]
    public static let defaultPattern = "{tenant}-{date}-{rows}-{id}"
    public static let maxPatternLength = 200
    /// Characters of the name before the extension; file systems allow 255 bytes and CJK
    /// characters take three each in UTF-8.
    public static let maxNameLength = 80

    public enum Problem: Error, Equatable {
        case unknownPlaceholder(String)
        case unclosedBrace
        case tooLong
        case empty
    }

    /// Substitutes `values` (every known placeholder should have one) into `pattern`,
    /// sanitises the result and appends `.extension`.
    public static func make(pattern: String, values: [String: String], fileExtension: String) throws(Problem) -> String {
        guard pattern.count <= maxPatternLength else { throw .tooLong }
        var output = ""
        var rest = Substring(pattern)
        while let open = rest.firstIndex(of: "{") {
            output += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { throw .unclosedBrace }
            let name = String(rest[rest.index(after: open)..<close])
            guard placeholders.contains(name) else { throw .unknownPlaceholder(name) }
            output += values[name] ?? ""
            rest = rest[rest.index(after: close)...]
        }
        output += rest
        let name = sanitised(output)
        guard !name.isEmpty else { throw .empty }
        return name + "." + fileExtension
    }

    /// Letters and digits of any script, and `-`, `_`, `.`, `(`, `)`; everything else
    /// (slashes, control characters, quotes, spaces, reserved Windows characters) becomes
    /// `_`, runs of `_` shrink to one, and leading dots and trailing dots/underscores go —
    /// so no name is hidden, relative (`..`) or reserved.
    public static func sanitised(_ text: String) -> String {
        var result = ""
        for character in text {
            let allowed = character.isLetter || character.isNumber || "-_.()".contains(character)
            let next: Character = allowed && !character.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) ? character : "_"
            if next == "_" && result.last == "_" { continue }
            result.append(next)
        }
        while result.first == "." || result.first == "_" { result.removeFirst() }
        result = String(result.prefix(maxNameLength))
        while result.last == "." || result.last == "_" { result.removeLast() }
        return result
    }
}
