/// Finds where a query matched in the original message text and cuts a snippet
/// around it. Works on the text itself (not `ts_headline`), so highlights land on
/// the characters the user sees, whatever the stored vector looks like.
///
/// Exact mode highlights the phrase, from its first character to its last, and falls back
/// to its parts when the phrase is not there. Fuzzy mode highlights the parts: each of the
/// query's tokens wherever it occurs, a prefix only as far as it matched ("refund" marks
/// "[refund]ed", "款" marks "[款]项"), adjacent parts merged into one range.
public enum Highlighter {
    /// A highlighted excerpt. `ranges` are UTF-16 offsets into `text` (what JavaScript indexes by).
    public struct Snippet: Sendable, Equatable {
        public let text: String
        public let ranges: [Range<Int>]
    }

    /// - Parameter radius: characters of context kept on each side of the first match.
    public static func snippet(of original: String, for query: SearchQuery, radius: Int = 40) -> Snippet {
        let characters = Array(original)
        let matched = MatchFinder.matchedCharacters(in: original, count: characters.count, for: query)
        guard let first = matched.firstIndex(of: true) else {
            let cut = characters.prefix(radius * 2)
            return Snippet(text: String(cut) + (characters.count > cut.count ? "…" : ""), ranges: [])
        }
        let lower = max(0, first - radius)
        let upper = min(characters.count, first + radius * 2)
        var text = lower > 0 ? "…" : ""
        var ranges: [Range<Int>] = []
        var openStart: Int?
        for index in lower..<upper {
            let offset = text.utf16.count
            if matched[index], openStart == nil { openStart = offset }
            if !matched[index], let start = openStart {
                ranges.append(start..<offset)
                openStart = nil
            }
            text.append(characters[index])
        }
        if let start = openStart { ranges.append(start..<text.utf16.count) }
        if upper < characters.count { text += "…" }
        return Snippet(text: text, ranges: ranges)
    }
}
