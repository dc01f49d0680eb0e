/// A customer's phone and e-mail each live in several columns (sql/0026): sealed, their
/// lookup hashes, and the plaintext a row written before encryption may still hold. They
/// change together or not at all, so the SQL that copies contacts between rows is written
/// once, here.
enum CustomerContactColumns {
    private static let groups: [(contact: String, columns: [String])] = [
        ("phone", ["phone_sealed", "phone_hash", "masked_phone_hash", "phone"]),
        ("email", ["email_sealed", "email_hash", "email"]),
    ]

    /// `SET` assignments that give the row aliased `target` the contacts of the row aliased
    /// `source` where `target` has none. Aliases are fixed words of the calling statement.
    static func fillingGaps(of target: String, from source: String) -> String {
        groups.flatMap { group in
            let has = "(\(target).\(group.contact)_sealed IS NOT NULL OR \(target).\(group.contact) IS NOT NULL)"
            return group.columns.map { "\($0) = CASE WHEN \(has) THEN \(target).\($0) ELSE \(source).\($0) END" }
        }.joined(separator: ",\n    ")
    }
}
