import Foundation

/// A text as search compares it (NFKC, lower case), folded one original `Character` at a
/// time so that every folded scalar remembers the Character it came from. Stored vectors,
/// queries and highlights are all built from this one fold, so they cannot disagree, and
/// the highlighter maps a matched token back to the characters the user sees.
///
/// A Character is the unit because it is where NFKC composes: a half-width sound mark
/// belongs to the cluster of its kana (`ﾍﾞ` is one Character), and so does any combining mark.
struct FoldedText {
    private(set) var scalars: [Unicode.Scalar] = []
    /// For each of `scalars`, the index of the original Character (in `Array(text)`) it came from.
    private(set) var origins: [Int] = []

    init(_ text: String) {
        scalars.reserveCapacity(text.utf8.count)
        origins.reserveCapacity(text.utf8.count)
        for (index, character) in text.enumerated() {
            let before = scalars.count
            Self.fold(character, into: &scalars)
            origins.append(contentsOf: repeatElement(index, count: scalars.count - before))
        }
    }

    /// Appends the folded scalars of one Character.
    ///
    /// Most characters fold to themselves, and asking Foundation costs a string per character
    /// (measured 8–40× slower on 20,000-character messages), so three cases are answered here. The test
    /// "every fast path folds as Foundation does" checks that they agree with `slowFold`.
    static func fold(_ character: Character, into scalars: inout [Unicode.Scalar]) {
        let view = character.unicodeScalars
        if let scalar = view.first, view.index(after: view.startIndex) == view.endIndex {
            switch scalar.value {
            case 0x41...0x5A:  // ASCII upper case
                scalars.append(Unicode.Scalar(scalar.value + 0x20)!)
                return
            case 0x00...0x7F:
                scalars.append(scalar)
                return
            case 0xFF21...0xFF3A:  // full-width upper case: to ASCII lower case
                scalars.append(Unicode.Scalar(scalar.value - 0xFEE0 + 0x20)!)
                return
            case 0xFF01...0xFF5E:  // the rest of full-width ASCII ("，", "１", "ａ")
                scalars.append(Unicode.Scalar(scalar.value - 0xFEE0)!)
                return
            default:
                // Unchanged by NFKC case folding implies already NFKC (its result always is);
                // lower case is asked separately because folding and lower-casing differ (Cherokee).
                let properties = scalar.properties
                if !properties.changesWhenNFKCCaseFolded && !properties.changesWhenLowercased {
                    scalars.append(scalar)
                    return
                }
            }
        }
        scalars.append(contentsOf: slowFold(String(character)).unicodeScalars)
    }

    /// NFKC, lower case, then canonical composition again. Foundation's NFKC on Linux leaves
    /// `ﾍﾞ` as `ヘ` + U+3099: the half-width mark is a starter, so it is mapped to the combining
    /// mark but never composed with its kana. Composing again gives `ベ` (U+30D9), the scalar a
    /// user typing `ベ` produces; without it the bigrams of `ﾊﾟﾝ` and `パン` never meet.
    static func slowFold(_ text: String) -> String {
        text.precomposedStringWithCompatibilityMapping.lowercased().precomposedStringWithCanonicalMapping
    }
}
