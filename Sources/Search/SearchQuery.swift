/// How a keyword is matched.
public enum SearchMode: String, Sendable, CaseIterable {
    /// The words in this order, as a phrase.
    case exact
    /// All the words, in any order; Latin words match as prefixes ("refund" finds "refunded").
    case fuzzy
}

/// A user's keyword turned into a `tsquery` literal. User input never reaches
/// PostgreSQL as query syntax: only our lexemes, quoted, joined by our operators.
public struct SearchQuery: Sendable, Equatable {
    public let text: String
    public let mode: SearchMode
    /// The `tsquery` to bind as a parameter and cast (`$1::tsquery`).
    public let tsquery: String
    /// The query's terms as the highlighter looks for them in the original text.
    public let terms: [String]

    public enum Problem: Error, Equatable {
        /// Nothing searchable: empty, white space or punctuation only.
        case empty
        /// Longer than `SearchQuery.maxLength` characters.
        case tooLong
    }

    public static let maxLength = 200

    public init(_ text: String, mode: SearchMode) throws(Problem) {
        guard text.count <= Self.maxLength else { throw .tooLong }
        let runs = Tokenizer.runs(of: text)
        let tokens = Tokenizer.tokenize(runs: runs, forQuery: true)
        guard !tokens.isEmpty else { throw .empty }
        self.text = text
        self.mode = mode
        self.terms = runs.map { String(String.UnicodeScalarView($0.scalars)) }
        switch mode {
        case .exact:
            var parts: [String] = []
            for (index, token) in tokens.enumerated() {
                if index > 0 {
                    let distance = token.position - tokens[index - 1].position
                    parts.append(distance == 1 ? "<->" : "<\(distance)>")
                }
                parts.append(Self.operand(token, prefixWords: false))
            }
            tsquery = parts.joined(separator: " ")
        case .fuzzy:
            // Latin words and numbers match as prefixes, except a part glued to the next
            // one ("DD" in "DD20251001"): it is a fixed part of a code, and as a prefix
            // it would read the postings of every word starting with it (measured 14 ms
            // against 0.6 ms for one window of the biggest tenant).
            var seen: Set<String> = []
            var operands: [String] = []
            for (index, run) in runs.enumerated() {
                let gluedToNext = index + 1 < runs.count && runs[index + 1].glued
                for token in Tokenizer.tokenize(runs: [run], forQuery: true) where seen.insert(token.text).inserted {
                    operands.append(Self.operand(token, prefixWords: !gluedToNext))
                }
            }
            tsquery = operands.joined(separator: " & ")
        }
    }

    private static func operand(_ token: Token, prefixWords: Bool) -> String {
        let quoted = SearchVector.quote(token.text)
        switch token.kind {
        // A lone CJK character matches any bigram it starts, or itself at the end of a run.
        case .unigram: return quoted + ":*"
        case .word where prefixWords, .number where prefixWords: return quoted + ":*"
        case .bigram, .word, .number: return quoted
        }
    }
}
