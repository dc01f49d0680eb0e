import Domain
import Foundation
import Testing

@Suite("Domain rules")
struct DomainRulesTests {
    @Test("a phone number is shown with its middle four digits hidden")
    func phoneMasking() {
        #expect(ContactMasking.maskPhone("13812341234") == "138****1234")
        #expect(ContactMasking.maskPhone("12345") == "*****")
    }

    @Test("an e-mail keeps its first letter and domain")
    func emailMasking() {
        #expect(ContactMasking.maskEmail("alice@example.com") == "a****@example.com")
        #expect(ContactMasking.maskEmail("@x") == "****")
    }

    @Test("a cursor survives the round trip and garbage is refused")
    func cursorRoundTrip() throws {
        let cursor = KeysetCursor(time: Date(timeIntervalSince1970: 1_700_000_000.123456), id: UUID())
        let decoded = try #require(KeysetCursor(encoded: cursor.encoded))
        #expect(decoded.id == cursor.id)
        #expect(abs(decoded.time.timeIntervalSince(cursor.time)) < 0.000_001)
        #expect(KeysetCursor(encoded: "not a cursor") == nil)
        #expect(KeysetCursor(encoded: String(repeating: "A", count: 500)) == nil)
    }

    @Test("version 7 ids carry their version and sort by time")
    func uuidV7() {
        let early = IDGenerator.uuidV7(at: Date(timeIntervalSince1970: 1_000))
        let late = IDGenerator.uuidV7(at: Date(timeIntervalSince1970: 2_000))
        #expect(early.uuidString.lowercased().hasPrefix("0000000f-4240-7"))
        #expect(early.uuidString < late.uuidString)
        let variant = early.uuid.8 & 0xC0
        #expect(variant == 0x80)
    }

    @Test("a trial plan hides history older than its window; paid plans hide nothing")
    func planVisibility() {
        let now = Date(timeIntervalSince1970: 100 * 86_400)
        let trial = Plan(code: "trial", name: "Trial", historyVisibleDays: 30, exportEnabled: false, exportRowCap: 0, customRetentionAllowed: false)
        #expect(trial.visibleSince(now: now) == Date(timeIntervalSince1970: 70 * 86_400))
        var paid = trial
        paid.historyVisibleDays = nil
        #expect(paid.visibleSince(now: now) == nil)
    }
}
