import Foundation

/// Turns text into search tokens in the same way for stored messages and for queries,
/// so that Chinese works without a dictionary: PostgreSQL's parser does not split
/// Chinese into words, and "退款" must be found inside "我要退款".
///
/// - Text is folded with NFKC (full-width "ＡＢＣ１２３" becomes "abc123") and lower-cased.
/// - CJK runs become overlapping bigrams; the run's last character is also kept
///   alone, at the position of the last bigram, so a one-character query (matched as
///   a prefix) finds every occurrence.
/// - Letters and digits become words and numbers, split where one turns into the
///   other ("DD20251001" → "dd", "20251001"), so order numbers are found by their digits.
/// - White space separates words without a gap; anything else (punctuation, emoji,
///   symbols) leaves a gap, so phrases do not match across it.
public enum Tokenizer {
    /// Bump when tokenization changes; stored vectors record it and `parley reindex` rebuilds older ones.
    public static let version: Int16 = 1
    /// Positions skipped at punctuation: more than `<->` can bridge.
    public static let punctuationGap = 2
    /// PostgreSQL stores positions up to 16,383; later tokens share the last position.
    public static let maxPosition = 16_383
    /// Longer words are cut: PostgreSQL limits lexemes to 2 KB and nobody searches for such words.
    public static let maxWordLength = 64

    enum Class: Equatable {
        case cjk, letter, digit, space, separator
    }

    static func classify(_ scalar: Unicode.Scalar) -> Class {
        switch scalar.value {
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
        return .separator
    }

    /// The text as search folds it: NFKC, lower case.
    public static func normalize(_ text: String) -> String {
        text.precomposedStringWithCompatibilityMapping.lowercased()
    }

    /// Tokens of a stored text.
    public static func tokenize(_ text: String) -> [Token] {
        tokenize(runs: runs(of: text), forQuery: false)
    }

    /// A maximal stretch of one class, whether a gap precedes it, and whether it is
    /// glued to the previous run with nothing between ("DD" and "2025" in "DD2025").
    struct Run: Equatable {
        let kind: Class
        let scalars: [Unicode.Scalar]
        let gapBefore: Bool
        var glued = false
    }

    static func runs(of text: String) -> [Run] {
        var runs: [Run] = []
        var current: [Unicode.Scalar] = []
        var currentKind: Class = .space
        var pendingGap = false
        var nextGlued = false
        func flush() {
            if !current.isEmpty {
                runs.append(Run(kind: currentKind, scalars: current, gapBefore: pendingGap && !runs.isEmpty, glued: nextGlued))
                pendingGap = false
            }
            current = []
            nextGlued = false
        }
        for scalar in normalize(text).unicodeScalars {
            let kind = classify(scalar)
            switch kind {
            case .space:
                flush()
            case .separator:
                flush()
                pendingGap = true
            case .cjk, .letter, .digit:
                if kind != currentKind || current.isEmpty {
                    let changesClass = !current.isEmpty
                    flush()
                    nextGlued = changesClass
                }
                currentKind = kind
                current.append(scalar)
            }
        }
        flush()
        return runs
    }

    static func tokenize(runs: [Run], forQuery: Bool) -> [Token] {
        var tokens: [Token] = []
        var next = 1
        func emit(_ text: String, _ kind: Token.Kind, at position: Int) {
            tokens.append(Token(text: text, position: min(position, maxPosition), kind: kind))
        }
        for run in runs {
            if run.gapBefore { next += punctuationGap }
            switch run.kind {
            case .cjk:
                let characters = run.scalars.map { String(Character($0)) }
                if characters.count == 1 {
                    emit(characters[0], .unigram, at: next)
                    next += 1
                } else {
                    for index in 0..<(characters.count - 1) {
                        emit(characters[index] + characters[index + 1], .bigram, at: next + index)
                    }
                    let last = next + characters.count - 2
                    // Stored text keeps the run's last character alone; a query needs only its bigrams.
                    if !forQuery { emit(characters[characters.count - 1], .unigram, at: last) }
                    next = last + 1
                }
            case .letter:
                emit(String(String.UnicodeScalarView(run.scalars.prefix(maxWordLength))), .word, at: next)
                next += 1
            case .digit:
                emit(String(String.UnicodeScalarView(run.scalars.prefix(maxWordLength))), .number, at: next)
                next += 1
            case .space, .separator:
                break
            }
        }
        return tokens
    }
}
