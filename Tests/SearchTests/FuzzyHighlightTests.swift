import Search
import Testing

/// A fuzzy hit highlights the parts of the query it matched (each bigram, word prefix,
/// number, lone character), wherever they are, since it does not need the whole query as a run.
@Suite("Highlights of fuzzy hits")
struct FuzzyHighlightTests {
    @Test("the query's character pairs are highlighted where they are, apart")
    func pairsApart() throws {
        let text = "我要退款，款项什么时候到"
        let query = try SearchQuery("退款项", mode: .fuzzy)
        #expect(PostgresMatch.matches(query, storedText: text))
        #expect(try highlighted(text, "退款项", .fuzzy) == "我要[退款]，[款项]什么时候到")
        #expect(try highlighted("款项退了吗？退款呢", "退款项", .fuzzy) == "[款项]退了吗？[退款]呢")
    }

    @Test("adjacent or overlapping parts make one range")
    func merged() throws {
        let snippet = Highlighter.snippet(of: "申请退款项目", for: try SearchQuery("退款项", mode: .fuzzy))
        #expect(marked(snippet) == "申请[退款项]目")
        #expect(snippet.ranges.count == 1)
        #expect(try highlighted("Order DD20251001 refunded", "dd20251001", .fuzzy) == "Order [DD20251001] refunded")
    }

    @Test("words in any order, each wherever it occurs")
    func anyOrder() throws {
        #expect(try highlighted("退款的订单，订单号", "订单 退款", .fuzzy) == "[退款]的[订单]，[订单]号")
        #expect(try highlighted("Your order: refund it", "refund order", .fuzzy) == "Your [order]: [refund] it")
    }

    @Test("a Latin prefix highlights the part of the word it matched, folded back to the original characters")
    func latinPrefix() throws {
        #expect(try highlighted("Refunded yesterday", "refund", .fuzzy) == "[Refund]ed yesterday")
        #expect(try highlighted("已ＲＥＦＵＮＤＥＤ", "refund", .fuzzy) == "已[ＲＥＦＵＮＤ]ＥＤ")
        #expect(try highlighted("ｒｅｆｕｎｄ ok", "REFUND", .fuzzy) == "[ｒｅｆｕｎｄ] ok")
        #expect(try highlighted("电话13812345678", "138", .fuzzy) == "电话[138]12345678")
    }

    @Test("a lone CJK character highlights itself, inside a pair or at the end of a run")
    func loneCharacter() throws {
        #expect(try highlighted("退款项", "款", .fuzzy) == "退[款]项")
        #expect(try highlighted("我要退款", "款", .fuzzy) == "我要退[款]")
        #expect(try highlighted("款项和退款", "款", .exact) == "[款]项和退[款]")
    }

    @Test("the snippet is cut around the first match")
    func window() throws {
        let text = String(repeating: "前", count: 500) + "款项" + String(repeating: "中", count: 5) + "退款"
            + String(repeating: "后", count: 500)
        let snippet = Highlighter.snippet(of: text, for: try SearchQuery("退款项", mode: .fuzzy), radius: 10)
        #expect(marked(snippet) == "…" + String(repeating: "前", count: 10) + "[款项]" + String(repeating: "中", count: 5)
                + "[退款]" + String(repeating: "后", count: 11) + "…")
    }

    @Test("exact mode highlights the phrase, from its first character to its last")
    func exactPhrase() throws {
        #expect(try highlighted("我要退款，退款", "我要退款", .exact) == "[我要退款]，退款")
        #expect(try highlighted("Please refund order 7 now", "Refund order", .exact) == "Please [refund order] 7 now")
        #expect(try highlighted("仅退款？款项", "仅退款！款项", .exact) == "[仅退款？款项]")
    }

    @Test("exact mode falls back to the parts when the phrase is not in the text")
    func exactFallback() throws {
        #expect(try highlighted("我要退款，款项", "退款项", .exact) == "我要[退款]，[款项]")
    }
}
