/// Turns text into search tokens in the same way for stored messages and for queries,
/// so that Chinese works without a dictionary: PostgreSQL's parser does not split
/// Chinese into words, and "退款" must be found inside "我要退款".
///
/// - Text is folded with NFKC (full-width "ＡＢＣ１２３" becomes "abc123", half-width "ﾊﾟﾝ"
///   becomes "パン") and lower-cased, one character at a time (`FoldedText`).
/// - CJK runs become overlapping bigrams; the run's last character is also kept
///   alone, at the position of the last bigram, so a one-character query (matched as
///   a prefix) finds every occurrence. A character keeps the combining marks that follow it.
/// - Letters and digits become words and numbers, split where one turns into the
///   other ("DD20251001" → "dd", "20251001"), so order numbers are found by their digits.
/// - White space separates words without a gap; anything else (punctuation, emoji,
///   symbols) leaves a gap, so phrases do not match across it.
public enum Tokenizer {
    /// Bump when tokenization changes; stored vectors record it and `parley reindex` rebuilds older ones.
    /// 2: half-width kana with sound marks compose (ﾊﾟﾝ = パン), ・ and ゠ are punctuation,
    /// combining marks stay with their CJK character.
    public static let version: Int16 = 2
    /// Positions skipped at punctuation: more than `<->` can bridge.
    public static let punctuationGap = 2
    /// PostgreSQL stores positions up to 16,383; later tokens share the last position,
    /// so an exact-mode phrase past it may be missed (`SearchMode.exact` says where).
    public static let maxPosition = 16_383
    /// Longer words are cut: PostgreSQL limits lexemes to 2 KB and nobody searches for such words.
    public static let maxWordLength = 64

    enum Class: Equatable {
        /// `mark` is a combining mark: part of the CJK character before it, a separator elsewhere.
        case cjk, mark, letter, digit, space, separator
    }

    static func classify(_ scalar: Unicode.Scalar) -> Class {
        switch scalar.value {
        // Kana sound marks NFKC could not compose with the kana before them (ｱﾞ: there is no
        // voiced ア), and the kana block's punctuation: ・ (also what half-width ･ folds to) and ゠.
        case 0x3099, 0x309A:
            return .mark
        case 0x30A0, 0x30FB:
            return .separator
        case 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0xAC00...0xD7AF,
             0x1100...0x11FF, 0x3130...0x318F, 0x20000...0x2FA1F:
            return .cjk
        default:
            break
        }
        let properties = scalar.properties
        if properties.isWhitespace { return .space }
        if properties.numericType == .decimal { return .digit }
        if properties.isAlphabetic { return .letter }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return .mark
        default: return .separator
        }
    }

    /// The text as search folds it: NFKC, lower case (see `FoldedText`).
    public static func normalize(_ text: String) -> String {
        String(String.UnicodeScalarView(FoldedText(text).scalars))
    }

    /// Tokens of a stored text.
    public static func tokenize(_ text: String) -> [Token] {
        let folded = FoldedText(text)
        return tokens(of: runs(of: folded), in: folded, forQuery: false).map {
            Token(text: $0.token.text, position: min($0.token.position, maxPosition), kind: $0.token.kind)
        }
    }

    /// A maximal stretch of one class (indices into the folded scalars), whether a gap
    /// precedes it, and whether it is glued to the previous run with nothing between
    /// ("DD" and "2025" in "DD2025"). A CJK run also lists where each of its characters
    /// starts, since a character may carry marks.
    struct Run: Equatable {
        let kind: Class
        let scalars: Range<Int>
        let characters: [Int]
        let gapBefore: Bool
        let glued: Bool
    }

    static func runs(of folded: FoldedText) -> [Run] {
        var runs: [Run] = []
        var start = 0
        var characters: [Int] = []
        var currentKind: Class = .space
        var pendingGap = false
        var nextGlued = false
        let scalars = folded.scalars
        func flush(at end: Int) {
            if start < end {
                runs.append(Run(kind: currentKind, scalars: start..<end, characters: characters,
                                gapBefore: pendingGap && !runs.isEmpty, glued: nextGlued))
                pendingGap = false
            }
            start = end
            characters = []
            nextGlued = false
        }
        for index in scalars.indices {
            var kind = classify(scalars[index])
            if kind == .mark {
                if currentKind == .cjk && start < index { continue }  // stays with its character
                kind = .separator
            }
            switch kind {
            case .space, .separator, .mark:
                flush(at: index)
                start = index + 1
                if kind != .space { pendingGap = true }
            case .cjk, .letter, .digit:
                if kind != currentKind || start == index {
                    let changesClass = start < index
                    flush(at: index)
                    nextGlued = changesClass
                }
                currentKind = kind
                if kind == .cjk { characters.append(index) }
            }
        }
        flush(at: scalars.count)
        return runs
    }

    /// Tokens with positions as the text gives them; `tokenize` applies PostgreSQL's limit.
    static func tokens(of runs: [Run], in folded: FoldedText, forQuery: Bool) -> [LocatedToken] {
        var tokens: [LocatedToken] = []
        var next = 1
        func emit(_ range: Range<Int>, _ kind: Token.Kind, at position: Int, run: Int) {
            let text = String(String.UnicodeScalarView(folded.scalars[range]))
            tokens.append(LocatedToken(token: Token(text: text, position: position, kind: kind), scalars: range, run: run))
        }
        for (index, run) in runs.enumerated() {
            if run.gapBefore { next += punctuationGap }
            switch run.kind {
            case .cjk:
                // Character i spans starts[i]..<starts[i + 1].
                let starts = run.characters + [run.scalars.upperBound]
                let count = run.characters.count
                if count == 1 {
                    emit(run.scalars, .unigram, at: next, run: index)
                    next += 1
                } else {
                    for character in 0..<(count - 1) {
                        emit(starts[character]..<starts[character + 2], .bigram, at: next + character, run: index)
                    }
                    let last = next + count - 2
                    // Stored text keeps the run's last character alone; a query needs only its bigrams.
                    if !forQuery { emit(starts[count - 1]..<starts[count], .unigram, at: last, run: index) }
                    next = last + 1
                }
            case .letter, .digit:
                let cut = run.scalars.lowerBound..<min(run.scalars.upperBound, run.scalars.lowerBound + maxWordLength)
                emit(cut, run.kind == .letter ? .word : .number, at: next, run: index)
                next += 1
            case .mark, .space, .separator:
                break
            }
        }
        return tokens
    }
}
