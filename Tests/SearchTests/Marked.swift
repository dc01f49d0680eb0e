import Search

/// The snippet's text with `[` `]` around each highlight, to compare at a glance.
func marked(_ snippet: Highlighter.Snippet) -> String {
    var utf16 = Array(snippet.text.utf16)
    for range in snippet.ranges.reversed() {
        utf16.insert(contentsOf: Array("]".utf16), at: range.upperBound)
        utf16.insert(contentsOf: Array("[".utf16), at: range.lowerBound)
    }
    return String(decoding: utf16, as: UTF16.self)
}

/// The snippet of `text` for `query` in `mode`, marked.
func highlighted(_ text: String, _ query: String, _ mode: SearchMode) throws -> String {
    marked(Highlighter.snippet(of: text, for: try SearchQuery(query, mode: mode)))
}
