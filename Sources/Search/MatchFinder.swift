/// Which characters of a message a query matched, found on the message's own tokens
/// with the query's own lexemes, so a highlight is exactly what PostgreSQL matched:
/// folding (full-width, half-width kana, case) is undone by `FoldedText.origins`.
enum MatchFinder {
    /// One flag per Character of `text` (as in `Array(text)`).
    static func matchedCharacters(in text: String, count: Int, for query: SearchQuery) -> [Bool] {
        let folded = FoldedText(text)
        let tokens = Tokenizer.tokens(of: Tokenizer.runs(of: folded), in: folded, forQuery: false)
        var matched = [Bool](repeating: false, count: count)
        func mark(_ scalars: ClosedRange<Int>) {
            for character in folded.origins[scalars.lowerBound]...folded.origins[scalars.upperBound] { matched[character] = true }
        }
        if query.mode == .exact {
            let phrases = phrases(of: query.operands, in: tokens)
            phrases.forEach(mark)
            if !phrases.isEmpty { return matched }
            // Not found as a phrase (PostgreSQL may have matched it elsewhere, or a caller
            // highlights a text the query did not select): show the parts that are there.
        }
        for operand in query.operands {
            for token in tokens {
                if let part = operand.match(token), !part.isEmpty { mark(part.lowerBound...(part.upperBound - 1)) }
            }
        }
        return matched
    }

    /// Each occurrence of the phrase, as the folded scalars from its first to its last
    /// token: what lies between (a space, the punctuation of "仅退款！款项") is part of it.
    /// Positions are the text's own, not capped: a snippet shows every occurrence, even one
    /// past PostgreSQL's limit, when the message was found by another.
    static func phrases(of operands: [SearchQuery.Operand], in tokens: [LocatedToken]) -> [ClosedRange<Int>] {
        guard let first = operands.first else { return [] }
        var atPosition: [Int: [LocatedToken]] = [:]
        for token in tokens { atPosition[token.token.position, default: []].append(token) }
        var found: [ClosedRange<Int>] = []
        for token in tokens {
            guard let start = first.match(token) else { continue }
            let offset = token.token.position - first.position
            var end = start.upperBound
            var complete = true
            for operand in operands.dropFirst() {
                let candidates = atPosition[offset + operand.position] ?? []
                guard let part = candidates.lazy.compactMap({ operand.match($0) }).first else {
                    complete = false
                    break
                }
                end = max(end, part.upperBound)
            }
            if complete { found.append(start.lowerBound...(end - 1)) }
        }
        return found
    }
}
