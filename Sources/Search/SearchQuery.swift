/// How a keyword is matched.
public enum SearchMode: String, Sendable, CaseIterable {
    /// The words in this order, as a phrase.
    ///
    /// PostgreSQL keeps tsvector positions up to 16,383 (later tokens share the last one)
    /// and at most 256 positions per lexeme, so this is the contract: a phrase (any query
    /// but a single word, number, or one or two adjacent CJK characters; "DD20251001" is a
    /// word and a number) is found in a message if it ends within the first 10,922
    /// characters, or within the first 16,383 when nothing before it is punctuation, an emoji
    /// or another symbol, and none of its words, numbers or two-character pairs already
    /// occurred 256 times earlier in the message; otherwise it may be missed. A single word,
    /// number, or one or two adjacent CJK characters is found anywhere, as in fuzzy mode.
    ///
    /// Why these numbers: a CJK character, word or number takes one position (a CJK run
    /// one fewer than its length) and a punctuation mark or symbol two more, so text
    /// without them spends at most one position per character, and the densest text
    /// ("我，你，他，…") three per two. Text of words separated by spaces takes at most one
    /// per two characters, so it is searched in full (messages have at most 20,000).
    /// Characters are counted as search folds them: ㏘ counts as the four of "p.m.".
    /// The tests of "Phrase limits" hold these sentences to the vectors we write.
    case exact
    /// All the words, in any order; Latin words and numbers match as prefixes ("refund" finds
    /// "refunded"), and so does a lone CJK character. Only the words' presence counts, so
    /// PostgreSQL's position limits do not apply: a word is found anywhere in a message.
    case fuzzy
}

/// A user's keyword turned into a `tsquery` literal. User input never reaches
/// PostgreSQL as query syntax: only our lexemes, quoted, joined by our operators.
public struct SearchQuery: Sendable, Equatable {
    public let text: String
    public let mode: SearchMode
    /// The `tsquery` to bind as a parameter and cast (`$1::tsquery`).
    public let tsquery: String
    /// The lexemes of `tsquery`, which the highlighter looks for in the message's tokens:
    /// in exact mode the phrase, in order; in fuzzy mode each distinct one.
    let operands: [Operand]

    /// One lexeme of the query, where it stands in the phrase, and whether it matches as a prefix.
    struct Operand: Sendable, Equatable {
        let text: String
        let position: Int
        let prefix: Bool
    }

    public enum Problem: Error, Equatable {
        /// Nothing searchable: empty, white space or punctuation only.
        case empty
        /// Longer than `SearchQuery.maxLength` characters.
        case tooLong
    }

    public static let maxLength = 200

    public init(_ text: String, mode: SearchMode) throws(Problem) {
        guard text.count <= Self.maxLength else { throw .tooLong }
        let folded = FoldedText(text)
        let runs = Tokenizer.runs(of: folded)
        let tokens = Tokenizer.tokens(of: runs, in: folded, forQuery: true)
        guard !tokens.isEmpty else { throw .empty }
        self.text = text
        self.mode = mode
        switch mode {
        case .exact:
            operands = tokens.map { Self.operand($0.token, prefixWords: false) }
            var parts: [String] = []
            for (index, operand) in operands.enumerated() {
                if index > 0 {
                    let distance = operand.position - operands[index - 1].position
                    parts.append(distance == 1 ? "<->" : "<\(distance)>")
                }
                parts.append(operand.literal)
            }
            tsquery = parts.joined(separator: " ")
        case .fuzzy:
            // Latin words and numbers match as prefixes, except a part glued to the next
            // one ("DD" in "DD20251001"): it is a fixed part of a code, and as a prefix
            // it would read the postings of every word starting with it (measured 14 ms
            // against 0.6 ms for one window of the biggest tenant).
            var seen: Set<String> = []
            operands = tokens.filter { seen.insert($0.token.text).inserted }.map { located in
                let gluedToNext = located.run + 1 < runs.count && runs[located.run + 1].glued
                return Self.operand(located.token, prefixWords: !gluedToNext)
            }
            tsquery = operands.map(\.literal).joined(separator: " & ")
        }
    }

    private static func operand(_ token: Token, prefixWords: Bool) -> Operand {
        let prefix: Bool
        switch token.kind {
        // A lone CJK character matches any bigram it starts, or itself at the end of a run.
        case .unigram: prefix = true
        case .word, .number: prefix = prefixWords
        case .bigram: prefix = false
        }
        return Operand(text: token.text, position: token.position, prefix: prefix)
    }
}

extension SearchQuery.Operand {
    /// The operand in tsquery syntax.
    var literal: String { SearchVector.quote(text) + (prefix ? ":*" : "") }

    /// The part of a token this operand matches, as PostgreSQL compares lexemes (bytes,
    /// a prefix by its first bytes): the whole token, its first scalars, or nil.
    func match(_ located: LocatedToken) -> Range<Int>? {
        let token = located.token.text.utf8
        if token.elementsEqual(text.utf8) { return located.scalars }
        guard prefix, token.starts(with: text.utf8) else { return nil }
        let start = located.scalars.lowerBound
        return start..<(start + text.unicodeScalars.count)
    }
}
