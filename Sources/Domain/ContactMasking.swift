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

    /// Keeps the first character of the local part and the domain: alice@example.com → a****@example.com.
    public static func maskEmail(_ email: String) -> String {
        guard let at = email.firstIndex(of: "@"), at != email.startIndex else { return "****" }
        return String(email[email.startIndex]) + "****" + String(email[at...])
    }
}
