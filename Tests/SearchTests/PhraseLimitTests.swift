import Search
import Testing

/// PostgreSQL keeps tsvector positions up to 16,383 and 256 positions per lexeme. These
/// tests hold `SearchMode.exact`'s documented contract to the vectors we send it: where a
/// phrase is surely found, where it is not, and that fuzzy mode does not care.
@Suite("Phrase limits")
struct PhraseLimitTests {
    /// Ingestion accepts at most 20,000 characters.
    private static let longest = 20_000

    /// `count` characters of Chinese with none of the characters of "我要退款" in it.
    private func filler(_ count: Int) -> String {
        let cycle = Array("天地玄黄宇宙洪荒日月盈昃辰宿列张")
        return String((0..<count).map { cycle[$0 % cycle.count] })
    }

    private func found(_ phrase: String, in text: String, _ mode: SearchMode = .exact) throws -> Bool {
        PostgresMatch.matches(try SearchQuery(phrase, mode: mode), storedText: text)
    }

    @Test("in Chinese without spaces or punctuation a phrase ending by the 16,384th character is found, later it is not")
    func unbrokenChinese() throws {
        for (before, expected) in [(16_380, true), (16_381, false), (Self.longest - 4, false)] {
            let text = filler(before) + "我要退款" + filler(Self.longest - before - 4)
            #expect(text.unicodeScalars.count == Self.longest)
            #expect(try found("我要退款", in: text) == expected, "phrase ends at character \(before + 4)")
            #expect(try found("我要退款", in: text, .fuzzy))
            #expect(try found("退款", in: text))  // one pair: a single token, found anywhere
            #expect(marked(Highlighter.snippet(of: text, for: try SearchQuery("我要退款", mode: .exact))).contains("[我要退款]"))
        }
    }

    @Test("in the densest text, one character then one punctuation mark, a phrase ending by the 10,922nd character is found")
    func densestText() throws {
        // "甲，乙" is '甲':* <3> '乙':*; each "丙，" before it takes three positions.
        for (pairs, expected) in [(5_459, true), (5_460, false)] {
            let text = String(repeating: "丙，", count: pairs) + "甲，乙"
            #expect(try found("甲，乙", in: text) == expected, "phrase ends at character \(text.count)")
            #expect(try found("甲 乙", in: text, .fuzzy))
            #expect(text.count == (expected ? 10_921 : 10_923))
        }
    }

    @Test("without punctuation or symbols before it, a phrase ending by the 16,383rd character is found, in any script")
    func noPunctuation() throws {
        // "我a" spends one position per character: the densest text without punctuation.
        let prefix = String(repeating: "我a", count: 8_190)
        for (text, expected) in [(prefix + "退c款", true), ("x" + prefix + "退c款", false)] {
            #expect(try found("退c款", in: text) == expected, "phrase ends at character \(text.count)")
            #expect(text.count == (expected ? 16_383 : 16_384))
            #expect(try found("退c款", in: text, .fuzzy))
        }
    }

    @Test("Latin text of words separated by spaces is searched in full")
    func latinText() throws {
        let words = String(repeating: "a ", count: (Self.longest - 12) / 2)
        let text = words + "refund order"
        #expect(text.unicodeScalars.count == Self.longest)
        #expect(try found("refund order", in: text))
    }

    @Test("a phrase is found while its pairs and words occurred fewer than 256 times before it, then not")
    func repeatedLexeme() throws {
        for (repeats, expected) in [(255, true), (256, false)] {
            let chinese = String(repeating: "退款，", count: repeats) + "我要退款"
            #expect(try found("我要退款", in: chinese) == expected, "退款 \(repeats) times before")
            #expect(try found("我要退款", in: chinese, .fuzzy))
            let latin = String(repeating: "refund, ", count: repeats) + "refund order"
            #expect(try found("refund order", in: latin) == expected, "refund \(repeats) times before")
            #expect(try found("refund order", in: latin, .fuzzy))
        }
    }
}
