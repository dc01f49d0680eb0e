import Domain
import Testing

@Suite("Contact normalisation")
struct ContactNormalisationTests {
    @Test("one number however it is written", arguments: [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+86-138-1234-5678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("(+86) 138.1234.5678", "13812345678"),
        ("１３８", "１３８"),
        ("+86 10 6552 9988", "01065529988"),
        ("010-6552-9988", "01065529988"),
        ("+1 (415) 555-0123", "+14155550123"),
        ("001 415 555 0123", "+14155550123"),
        ("86123", "86123"),
    ])
    func phone(_ written: String, _ normalised: String) {
        #expect(ContactNormalisation.phone(written) == normalised)
    }

    @Test("a masked filter takes the masked form of the normalised number")
    func masked() {
        #expect(ContactNormalisation.maskedPhoneFilter("138xxxx5678") == "138****5678")
        #expect(ContactNormalisation.maskedPhoneFilter("+86 138 **** 5678") == "138****5678")
        #expect(ContactNormalisation.maskedPhone("+86 138 1234 5678") == "138****5678")
        #expect(ContactNormalisation.email("  Wei.Zhang@Example.COM ") == "wei.zhang@example.com")
    }
}
