/// The `tsvector` literal for a text: lexemes with explicit positions, written by us so
/// that PostgreSQL stores exactly the tokens our tokenizer made (no stemming, no stop words).
public enum SearchVector {
    public static func literal(for text: String) -> String {
        var positions: [String: [Int]] = [:]
        var order: [String] = []
        for token in Tokenizer.tokenize(text) {
            if positions[token.text] == nil { order.append(token.text) }
            positions[token.text, default: []].append(token.position)
        }
        return order.map { lexeme in
            let list = positions[lexeme]!.prefix(256).map(String.init).joined(separator: ",")
            return "\(quote(lexeme)):\(list)"
        }.joined(separator: " ")
    }

    /// A lexeme in tsvector/tsquery syntax. Ours hold only letters, digits and CJK,
    /// but quoting and escaping keep any text literal.
    static func quote(_ lexeme: String) -> String {
        "'" + lexeme.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
    }
}
