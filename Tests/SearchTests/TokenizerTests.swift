import Search
import Testing

@Suite("Tokenizer")
struct TokenizerTests {
    private func texts(_ text: String) -> [String] { Tokenizer.tokenize(text).map(\.text) }
    private func positions(_ text: String) -> [String: [Int]] {
        Dictionary(grouping: Tokenizer.tokenize(text), by: \.text).mapValues { $0.map(\.position) }
    }

    @Test("a Chinese run becomes overlapping bigrams plus its last character")
    func chineseBigrams() {
        #expect(texts("我要退款") == ["我要", "要退", "退款", "款"])
        #expect(positions("我要退款")["退款"] == [3])
        #expect(positions("我要退款")["款"] == [3])
        #expect(texts("款") == ["款"])
    }

    @Test("letters and digits split where one turns into the other, lower-cased")
    func latinAndNumbers() {
        #expect(texts("Order DD20251001 refunded") == ["order", "dd", "20251001", "refunded"])
        #expect(texts("iPhone15Pro") == ["iphone", "15", "pro"])
    }

    @Test("full-width letters, digits and punctuation fold to half-width")
    func fullWidth() {
        #expect(texts("ＡＢＣ１２３") == ["abc", "123"])
        #expect(texts("订单：ＤＤ１２３") == ["订单", "单", "dd", "123"])
    }

    @Test("mixed scripts keep their order and adjacency")
    func mixedScripts() {
        let tokens = Tokenizer.tokenize("退款refund订单")
        #expect(tokens.map(\.text) == ["退款", "款", "refund", "订单", "单"])
        #expect(tokens.map(\.position) == [1, 1, 2, 3, 3])
    }

    @Test("punctuation and emoji leave a gap; white space does not")
    func gaps() {
        let punctuated = positions("仅退款！款项")
        #expect(punctuated["退款"] == [2])
        #expect(punctuated["款项"] == [5])
        let emoji = positions("好的😀谢谢")
        #expect(emoji["谢谢"]! [0] - emoji["好的"]![0] > 1)
        let spaced = positions("refund order")
        #expect(spaced["order"]![0] - spaced["refund"]![0] == 1)
    }

    @Test("traditional characters, kana and hangul are CJK runs too")
    func otherCJK() {
        #expect(texts("退貨") == ["退貨", "貨"])
        #expect(texts("ありがとう").first == "あり")
        #expect(texts("감사") == ["감사", "사"])
    }

    @Test("empty, white-space and punctuation-only text has no tokens")
    func empty() {
        #expect(texts("").isEmpty)
        #expect(texts("   \n\t").isEmpty)
        #expect(texts("！？…—").isEmpty)
    }

    @Test("a very long run keeps positions within PostgreSQL's limit")
    func longRun() {
        let tokens = Tokenizer.tokenize(String(repeating: "退款", count: 20_000))
        #expect(tokens.allSatisfy { $0.position <= Tokenizer.maxPosition })
        #expect(Tokenizer.tokenize(String(repeating: "a", count: 5_000)).first?.text.count == Tokenizer.maxWordLength)
    }

    @Test("the vector literal quotes lexemes and lists positions")
    func vectorLiteral() {
        #expect(SearchVector.literal(for: "退款 退款") == "'退款':1,2 '款':1,2")
    }
}

@Suite("Search queries")
struct SearchQueryTests {
    @Test("exact mode is a phrase with the text's own distances")
    func exact() throws {
        #expect(try SearchQuery("我要退款", mode: .exact).tsquery == "'我要' <-> '要退' <-> '退款'")
        #expect(try SearchQuery("仅退款！款项", mode: .exact).tsquery == "'仅退' <-> '退款' <3> '款项'")
        #expect(try SearchQuery("Refund order", mode: .exact).tsquery == "'refund' <-> 'order'")
    }

    @Test("fuzzy mode wants every term, in any order, Latin words and numbers as prefixes")
    func fuzzy() throws {
        #expect(try SearchQuery("refund 退款 138", mode: .fuzzy).tsquery == "'refund':* & '退款' & '138':*")
        #expect(try SearchQuery("退款退款", mode: .fuzzy).tsquery == "'退款' & '款退'")
    }

    @Test("in fuzzy mode a part glued to the next one is exact: an order number's letters are not a prefix")
    func gluedParts() throws {
        #expect(try SearchQuery("DD20251001", mode: .fuzzy).tsquery == "'dd' & '20251001':*")
        #expect(try SearchQuery("dd 2025", mode: .fuzzy).tsquery == "'dd':* & '2025':*")
        #expect(try SearchQuery("iPhone15 case", mode: .fuzzy).tsquery == "'iphone' & '15':* & 'case':*")
    }

    @Test("a one-character query matches as a prefix")
    func singleCharacter() throws {
        #expect(try SearchQuery("款", mode: .exact).tsquery == "'款':*")
    }

    @Test("tsquery operators, quotes and backslashes in the input are only text")
    func hostileInput() throws {
        let query = try SearchQuery(#"a & b | !c <-> d:* 'e' \f"#, mode: .exact)
        #expect(query.tsquery == "'a' <3> 'b' <3> 'c' <3> 'd' <3> 'e' <3> 'f'")
        #expect(throws: SearchQuery.Problem.empty) { try SearchQuery("&|!<->:*'\\", mode: .fuzzy) }
        #expect(throws: SearchQuery.Problem.empty) { try SearchQuery("   ", mode: .fuzzy) }
        #expect(throws: SearchQuery.Problem.empty) { try SearchQuery("", mode: .exact) }
        #expect(throws: SearchQuery.Problem.tooLong) { try SearchQuery(String(repeating: "x", count: 10_000), mode: .exact) }
        #expect(throws: SearchQuery.Problem.empty) { try SearchQuery("\u{0}", mode: .exact) }
    }
}

@Suite("Highlighter")
struct HighlighterTests {
    @Test("matches are marked on the original characters")
    func marksMatches() throws {
        #expect(marked(Highlighter.snippet(of: "我要退款，谢谢", for: try SearchQuery("退款", mode: .exact))) == "我要[退款]，谢谢")
        #expect(marked(Highlighter.snippet(of: "Order ＤＤ123 refunded", for: try SearchQuery("dd123", mode: .fuzzy)))
                == "Order [ＤＤ123] refunded")
    }

    @Test("offsets count UTF-16 units, so emoji before a match do not shift it")
    func utf16Offsets() throws {
        let snippet = Highlighter.snippet(of: "😀😀退款", for: try SearchQuery("退款", mode: .exact))
        #expect(snippet.ranges == [4..<6])
    }

    @Test("a long text is cut around the first match")
    func snippetWindow() throws {
        let text = String(repeating: "前", count: 500) + "退款" + String(repeating: "后", count: 500)
        let snippet = Highlighter.snippet(of: text, for: try SearchQuery("退款", mode: .exact), radius: 10)
        #expect(snippet.text.hasPrefix("…"))
        #expect(snippet.text.hasSuffix("…"))
        #expect(marked(snippet).contains("[退款]"))
        #expect(snippet.text.count < 40)
    }
}
