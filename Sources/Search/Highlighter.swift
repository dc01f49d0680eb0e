/// Finds where a query matched in the original message text and cuts a snippet
/// around it. Works on the text itself (not `ts_headline`), so highlights land on
/// the characters the user sees, whatever the stored vector looks like.
public enum Highlighter {
    /// A highlighted excerpt. `ranges` are UTF-16 offsets into `text` (what JavaScript indexes by).
    public struct Snippet: Sendable, Equatable {
        public let text: String
        public let ranges: [Range<Int>]
    }

    /// - Parameter radius: characters of context kept on each side of the first match.
    public static func snippet(of original: String, for query: SearchQuery, radius: Int = 40) -> Snippet {
        let characters = Array(original)
        // Fold each character alone, remembering which original character it came from.
        var folded: [Character] = []
        var origin: [Int] = []
        for (index, character) in characters.enumerated() {
            for foldedCharacter in Tokenizer.normalize(String(character)) {
                folded.append(foldedCharacter)
                origin.append(index)
            }
        }
        var matched = [Bool](repeating: false, count: characters.count)
        let needles = query.mode == .exact ? [Tokenizer.normalize(query.text).filter { !$0.isWhitespace }] + query.terms : query.terms
        var anyExact = false
        for (order, needle) in needles.enumerated() where !needle.isEmpty {
            if query.mode == .exact, order > 0, anyExact { break }  // the whole phrase was found: no need for parts
            let pattern = Array(needle)
            guard pattern.count <= folded.count else { continue }
            var start = 0
            while start + pattern.count <= folded.count {
                if Array(folded[start..<(start + pattern.count)]) == pattern {
                    for position in start..<(start + pattern.count) { matched[origin[position]] = true }
                    if order == 0 && query.mode == .exact { anyExact = true }
                    start += pattern.count
                } else {
                    start += 1
                }
            }
        }
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
