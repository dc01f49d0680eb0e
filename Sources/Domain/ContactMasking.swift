/// Personal data is shown masked unless the viewer may see it in full (PRODUCT.md §6).
public enum ContactMasking {
    /// Hides the middle four digits of a phone number: 13812341234 → 138****1234.
    public static func maskPhone(_ phone: String) -> String {
        let characters = Array(phone)
        guard characters.count >= 7 else { return String(repeating: "*", count: characters.count) }
        let start = (characters.count - 4) / 2
        var masked = characters
        for i in start..<(start + 4) { masked[i] = "*" }
        return String(masked)
    }

    /// A channel's own id for a customer (an e-mail channel's address, a phone number an
    /// SMS or app channel uses), masked when it is a contact detail and shown as it is
    /// otherwise (an opaque visitor id). Phone-like ids keep their first three and last
    /// four digits: `+86 138 1234 5678` → `861******5678`, `13812345678` → `138****5678`.
    public static func maskIdentifier(_ identifier: String) -> String {
        if let at = identifier.firstIndex(of: "@"), at != identifier.startIndex,
           identifier[identifier.index(after: at)...].contains(".") {
            return maskEmail(identifier)
        }
        let allowed = Set("0123456789+-() .")
        let digits = identifier.filter(\.isASCII).filter(\.isNumber)
        guard identifier.allSatisfy(allowed.contains), digits.count >= 7 else { return identifier }
        return String(digits.prefix(3)) + String(repeating: "*", count: digits.count - 7) + String(digits.suffix(4))
    }

    /// Whether `text` is written like a phone number or an e-mail address (what
    /// `maskIdentifier` would hide part of).
    public static func isContactDetail(_ text: String) -> Bool {
        maskIdentifier(text) != text
    }

    /// Keeps the first character of the local part and the domain: alice@example.com → a****@example.com.
    public static func maskEmail(_ email: String) -> String {
        guard let at = email.firstIndex(of: "@"), at != email.startIndex else { return "****" }
        return String(email[email.startIndex]) + "****" + String(email[at...])
    }
}
