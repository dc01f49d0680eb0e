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

        /// For the client (a `400` naming `fileName`).
        public var explanation: String {
            switch self {
            case .unknownPlaceholder(let name):
                "unknown placeholder {\(name)}; use \(ExportFileName.placeholders.sorted().map { "{\($0)}" }.joined(separator: ", "))"
            case .unclosedBrace: "a { without its }"
            case .tooLong: "at most \(ExportFileName.maxPatternLength) characters"
            case .empty: "the pattern gives an empty name"
            }
        }
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

    /// The placeholders' values for one job, in `zone`: `{from}` and `{to}` are the days of
    /// the selection's bounds (`start` and today when open), `{date}` today, `{id}` the job
    /// id's last 8 characters. Shared by the API (`POST /v1/exports`) and the scheduler.
    public static func values(id: UUID, now: Date, zone: TimeZone, tenant: String, user: String, rows: Int,
                              format: String, from: Date?, to: Date?) -> [String: String] {
        [
            "tenant": tenant,
            "from": from.map { day($0, zone) } ?? "start",
            "to": to.map { day($0, zone) } ?? day(now, zone),
            "format": format,
            "date": day(now, zone),
            "rows": "\(rows)",
            "id": String(id.uuidString.lowercased().suffix(8)),
            "user": user,
        ]
    }

    /// `2025-03-01`: the local day of `date` in `zone`.
    public static func day(_ date: Date, _ zone: TimeZone) -> String {
        let c = Calendar(identifier: .gregorian).dateComponents(in: zone, from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    /// `2025-03-01 09:30`: the local day and minute of `date` in `zone` (the default watermark's time).
    public static func stamp(_ date: Date, _ zone: TimeZone) -> String {
        let c = Calendar(identifier: .gregorian).dateComponents(in: zone, from: date)
        return day(date, zone) + String(format: " %02d:%02d", c.hour ?? 0, c.minute ?? 0)
    }

    /// Checks a pattern's shape (its values are known only when a job is made).
    public static func check(pattern: String, fileExtension: String) throws(Problem) {
        _ = try make(pattern: pattern, values: Dictionary(uniqueKeysWithValues: placeholders.map { ($0, "x") }),
                     fileExtension: fileExtension)
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
