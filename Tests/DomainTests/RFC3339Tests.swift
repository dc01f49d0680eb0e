import Domain
import Foundation
import Testing

@Suite("RFC 3339 date-times")
struct RFC3339Tests {
    @Test("valid forms are read as the instant they name", arguments: [
        ("2026-11-01T10:00:00Z", 1_793_527_200.0),
        ("2026-11-01t10:00:00z", 1_793_527_200.0),
        ("2026-11-01T18:00:00+08:00", 1_793_527_200.0),
        ("2026-11-01T05:30:00-04:30", 1_793_527_200.0),
        ("2026-11-01T10:00:00.25Z", 1_793_527_200.25),
        ("2026-11-01T10:00:00.123456789Z", 1_793_527_200.123456789),
        ("2024-02-29T00:00:00Z", 1_709_164_800.0),
        ("2000-02-29T00:00:00Z", 951_782_400.0),
        ("1969-12-31T23:59:59Z", -1.0),
    ])
    func valid(_ text: String, _ seconds: Double) {
        let parsed = RFC3339.parse(text)
        #expect(parsed.map { abs($0.timeIntervalSince1970 - seconds) < 0.000_001 } == true, "\(text) → \(String(describing: parsed))")
    }

    @Test("impossible or loose forms are refused", arguments: [
        "2024-02-30T10:00:00Z", "2023-02-29T10:00:00Z", "1900-02-29T10:00:00Z", "2026-04-31T10:00:00Z",
        "2026-11-01T24:00:00Z", "2026-11-01T23:60:00Z", "2026-11-01T23:59:60Z", "2026-00-01T10:00:00Z",
        "2026-11-00T10:00:00Z", "2026-11-01T10:00:00+25:00", "2026-11-01T10:00:00+99:99", "2026-11-01T10:00:00+00:60",
        "2026-11-01T10:00:00", "2026-11-01 10:00:00Z", "2026-11-01T10:00Z", "2026-11-01T10:00:00.Z",
        "2026-11-01T10:00:00.1234567890Z", "2026-11-01T10:00:00+0800", "+2026-11-01T10:00:00Z", "2026-11-01T10:00:00Z ",
        "２０２６-11-01T10:00:00Z", "",
    ])
    func invalid(_ text: String) {
        #expect(RFC3339.parse(text) == nil, "\(text)")
    }

    @Test("written in UTC with milliseconds, and read back to the same millisecond")
    func format() {
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1_793_527_200.25)) == "2026-11-01T10:00:00.250Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
        for seconds in stride(from: -86_400.0 * 400, to: 86_400.0 * 365 * 40, by: 86_400.0 * 13.7) {
            let date = Date(timeIntervalSince1970: (seconds * 1000).rounded(.down) / 1000)
            #expect(RFC3339.parse(RFC3339.format(date)) == date)
        }
    }
}

@Suite("Channel ids as contact details")
struct ChannelIdentifierMaskingTests {
    @Test("e-mail and phone-like ids are masked; opaque ids are shown as they are", arguments: [
        ("alice.secret@example.com", "a****@example.com"),
        ("13812345678", "138****5678"),
        ("+86 138 1234 5678", "861******5678"),
        ("(021) 5555-1234", "021****1234"),
        ("visitor-42", "visitor-42"),
        ("wx_o6_2sd8Yz", "wx_o6_2sd8Yz"),
        ("12345", "12345"),
        ("@handle", "@handle"),
    ])
    func masked(_ id: String, _ shown: String) {
        #expect(ContactMasking.maskIdentifier(id) == shown)
        #expect(ContactMasking.isContactDetail(id) == (id != shown))
    }
}

