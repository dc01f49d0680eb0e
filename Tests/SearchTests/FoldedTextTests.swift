@testable import Search
import Testing

@Suite("Folding")
struct FoldedTextTests {
    @Test("every fast path folds as Foundation does, for every character of the Basic Multilingual Plane and CJK Extension B")
    func fastPathsAgree() {
        var mismatches: [String] = []
        for value in Array(0...0xFFFF) + Array(0x20000...0x2A6DF) {
            guard let scalar = Unicode.Scalar(value) else { continue }
            var fast: [Unicode.Scalar] = []
            FoldedText.fold(Character(scalar), into: &fast)
            if !fast.elementsEqual(FoldedText.slowFold(String(scalar)).unicodeScalars) { mismatches.append("U+\(String(value, radix: 16))") }
        }
        #expect(mismatches.isEmpty)
    }

    @Test("each folded scalar points at the character it came from")
    func origins() {
        let folded = FoldedText("Ａﾊﾟ㍻x")
        #expect(folded.scalars.map(\.value) == [0x61, 0x30D1, 0x5E73, 0x6210, 0x78])
        #expect(folded.origins == [0, 1, 2, 2, 3])
    }
}

@Suite("Stored text, queries and highlights agree")
struct AgreementTests {
    private static let texts = [
        "我想买ﾊﾟﾝ。ｶﾞｲﾄﾞ･ﾌﾞｯｸを見て、ﾍﾞﾝﾁで休む",
        "旅行ガイドブック、パンダとベンチ😀谢谢",
        "ｱﾞｲﾝ ﾝﾞ！退款，款项；ＤＤ１２３退貨",
        "葛\u{E0100}城市の゛案内゜ハ\u{309A}ン",
    ]

    private func isLetter(_ character: Character) -> Bool {
        [.otherLetter, .modifierLetter].contains(character.unicodeScalars.first!.properties.generalCategory)
    }

    @Test("any stretch of a stored text's CJK text, queried in exact mode, finds the text and is highlighted", arguments: texts)
    func substrings(text: String) throws {
        let characters = Array(text)
        for start in characters.indices {
            for end in (start + 1)...min(characters.count, start + 8) {
                let needle = String(characters[start..<end])
                // Punctuation inside is part of a phrase; at its ends it is not highlighted.
                guard isLetter(characters[start]), isLetter(characters[end - 1]),
                      let query = try? SearchQuery(needle, mode: .exact) else { continue }
                #expect(PostgresMatch.matches(query, storedText: text), "\(needle) in \(text)")
                let snippet = Highlighter.snippet(of: text, for: query, radius: 100)
                let utf16 = Array(snippet.text.utf16)
                #expect(snippet.ranges.contains { String(decoding: utf16[$0], as: UTF16.self).contains(needle) },
                        "\(needle): \(marked(snippet))")
            }
        }
    }
}
