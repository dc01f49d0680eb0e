/// One lexeme of the search vector and where it stands. Positions follow the text;
/// a punctuation mark or symbol leaves a gap of `Tokenizer.punctuationGap`, so a
/// phrase cannot match across it ("仅退款！款项" does not contain "退款款项").
public struct Token: Sendable, Equatable, Hashable {
    public enum Kind: Sendable, Equatable, Hashable {
        /// Two adjacent CJK characters.
        case bigram
        /// A lone CJK character: a one-character run, or the last character of a run
        /// (so a one-character query finds a character wherever it stands).
        case unigram
        /// A lower-cased run of letters.
        case word
        /// A run of digits.
        case number
    }

    public let text: String
    public let position: Int
    public let kind: Kind

    public init(text: String, position: Int, kind: Kind) {
        self.text = text
        self.position = position
        self.kind = kind
    }
}

/// A token with what the highlighter needs to find it again: the folded scalars it was
/// made of (indices into `FoldedText.scalars`), its position before PostgreSQL's limit is
/// applied, and the run it came from (fuzzy queries treat a part glued to the next one apart).
struct LocatedToken {
    let token: Token
    let scalars: Range<Int>
    let run: Int
}
