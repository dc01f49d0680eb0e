import Search
import Testing

/// Half-width katakana with sound marks (ﾊﾟﾝ, ｶﾞｲﾄﾞ, ﾍﾞ) mean the same as their full-width
/// forms (パン, ガイド, ベ): stored text, queries and highlights must all agree on it.
@Suite("Half-width katakana")
struct HalfWidthKanaTests {
    private func texts(_ text: String) -> [String] { Tokenizer.tokenize(text).map(\.text) }
    private func scalars(_ text: String) -> [[UInt32]] { texts(text).map { $0.unicodeScalars.map(\.value) } }

    @Test("a half-width kana and its sound mark fold into the one full-width kana", arguments: [
        ("ﾊﾟﾝ", "パン"), ("ｶﾞｲﾄﾞ", "ガイド"), ("ﾍﾞ", "ベ"), ("ｷﾞｬﾙ", "ギャル"), ("ｳﾞｧｲｵﾘﾝ", "ヴァイオリン"),
        ("ハ\u{309A}ン", "パン"),  // decomposed input, as some keyboards send it
    ])
    func foldsLikeFullWidth(halfWidth: String, fullWidth: String) {
        #expect(scalars(halfWidth) == scalars(fullWidth))
        #expect(Tokenizer.normalize(halfWidth).unicodeScalars.elementsEqual(fullWidth.unicodeScalars))
    }

    @Test("a message in half-width kana is found by the full-width query and the other way round, in both modes",
          arguments: SearchMode.allCases)
    func matchesBothWays(mode: SearchMode) throws {
        for (stored, query) in [("我想买ﾊﾟﾝ。", "パン"), ("我想买パン。", "ﾊﾟﾝ"), ("旅行ｶﾞｲﾄﾞを", "ガイド"),
                                ("ガイドを", "ｶﾞｲﾄﾞ"), ("ﾍﾞ", "ベ"), ("ベ", "ﾍﾞ"), ("ﾊﾟﾝﾀﾞが好き", "パンダ")] {
            #expect(PostgresMatch.matches(try SearchQuery(query, mode: mode), storedText: stored), "\(query) in \(stored)")
        }
    }

    @Test("the highlight covers the original half-width characters, with UTF-16 offsets", arguments: SearchMode.allCases)
    func highlightsOriginal(mode: SearchMode) throws {
        let snippet = Highlighter.snippet(of: "我想买ﾊﾟﾝ。", for: try SearchQuery("パン", mode: mode))
        #expect(snippet.ranges == [3..<6])  // ﾊ, ﾟ and ﾝ: three UTF-16 units, two Characters
        #expect(Array(snippet.text.utf16)[3..<6].elementsEqual("ﾊﾟﾝ".utf16))
        let guide = Highlighter.snippet(of: "旅行ｶﾞｲﾄﾞを", for: try SearchQuery("ガイド", mode: mode))
        #expect(guide.ranges == [2..<7])
        let back = Highlighter.snippet(of: "😀パンです", for: try SearchQuery("ﾊﾟﾝ", mode: mode))
        #expect(back.ranges == [2..<4])
    }

    @Test("the half-width middle dot is punctuation, as its full-width form ・ is")
    func middleDot() throws {
        #expect(texts("ｶﾞｲﾄﾞ･ﾌﾞｯｸ") == texts("ガイド・ブック"))
        let tokens = Tokenizer.tokenize("ガイド・ブック")
        let before = try #require(tokens.first { $0.text == "イド" }).position
        let after = try #require(tokens.first { $0.text == "ブッ" }).position
        #expect(after - before == Tokenizer.punctuationGap + 1)
        #expect(!PostgresMatch.matches(try SearchQuery("ドブ", mode: .exact), storedText: "ガイド・ブック"))
    }

    @Test("a sound mark with no composed form stays with its kana instead of making a pair of its own")
    func uncomposableMark() throws {
        #expect(scalars("ｱﾞｲ") == [[0x30A2, 0x3099, 0x30A4], [0x30A4]])
        #expect(PostgresMatch.matches(try SearchQuery("ｱﾞｲ", mode: .exact), storedText: "ア\u{3099}イ"))
        let snippet = Highlighter.snippet(of: "xｱﾞｲ", for: try SearchQuery("ア\u{3099}イ", mode: .exact))
        #expect(snippet.ranges == [1..<4])
    }
}
