/// The one spelling of a phone number or e-mail address that lookups, the cross-channel
/// merge and their keyed hashes use, so `+86 138 1234 5678`, `0086-138-1234-5678`,
/// `8613812345678` and `13812345678` are one number.
///
/// Neither Debian nor the package mirror has a libphonenumber Swift can use without C++
/// interoperability, so this is a documented rule (docs/contacts.md) for the regions
/// Parley serves — mainland China first:
/// 1. spaces, hyphens, dots and brackets go (full-width ones too); `00` before a country
///    code becomes `+`;
/// 2. China's country code goes: `+86` followed by a mobile number (11 digits, `1…`)
///    leaves the 11 digits, followed by an area code leaves it with its trunk `0`
///    (`+86 10 6552 9988` → `01065529988`); `86` and 11 digits starting with `1` (13 digits, no `+`) leave the 11;
/// 3. any other `+` number stays in international form (`+14155550123`);
/// 4. what is left is compared as written (letters lower-cased).
/// What a customer gave is stored as given (encrypted); only lookups use this form.
public enum ContactNormalisation {
    /// The lookup form of a phone number.
    public static func phone(_ text: String) -> String {
        normalised(text, keepingWildcards: false)
    }

    /// The lookup form of a masked phone filter (`138****5678`, `x` or `*` for hidden
    /// digits): the same rules, hidden digits as `*`. It equals `maskedPhone(phone(n))` of
    /// the numbers `n` it stands for when written in the form Parley shows.
    public static func maskedPhoneFilter(_ text: String) -> String {
        normalised(text, keepingWildcards: true)
    }

    /// The masked form of a phone number's lookup form: what a masked filter is matched by.
    public static func maskedPhone(_ phone: String) -> String {
        ContactMasking.maskPhone(Self.phone(phone))
    }

    /// The lookup form of an e-mail address: trimmed and lower-cased.
    public static func email(_ text: String) -> String {
        text.trimmingWhitespace().lowercased()
    }

    private static let separators: Set<Character> = [" ", "-", ".", "(", ")", "\u{00A0}", "\u{3000}", "\u{FF0D}",
                                                     "\u{FF08}", "\u{FF09}", "\u{2010}", "\u{2011}", "\u{2013}"]

    private static func normalised(_ text: String, keepingWildcards: Bool) -> String {
        var kept = String(text.trimmingWhitespace().lowercased().filter { !separators.contains($0) })
        if keepingWildcards {
            kept = String(kept.map { $0 == "x" ? "*" : $0 })
        }
        if kept.hasPrefix("00") { kept = "+" + kept.dropFirst(2) }
        if kept.hasPrefix("+86") {
            let national = kept.dropFirst(3)
            // Mobile numbers are 11 digits starting with 1; area codes (Beijing's 10 too) get their trunk 0.
            if (national.hasPrefix("1") && national.count == 11) || national.hasPrefix("0") || national.isEmpty {
                return String(national)
            }
            return "0" + national
        }
        if kept.hasPrefix("86"), kept.count == 13, kept.dropFirst(2).hasPrefix("1"), kept.allSatisfy(\.isASCIIDigitOrWildcard) {
            return String(kept.dropFirst(2))
        }
        return kept
    }
}

private extension Character {
    var isASCIIDigitOrWildcard: Bool { ("0"..."9").contains(self) || self == "*" }
}

private extension String {
    func trimmingWhitespace() -> Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return self[start..<max(start, end)]
    }
}
