import HummingbirdBcrypt

/// bcrypt via hummingbird-auth. The cost is configurable so tests and demo seeds can
/// use a cheap factor; verification reads the cost from the stored hash.
public struct PasswordHasher: Sendable {
    public let cost: UInt8
    /// A real hash of a random string, checked when the account does not exist, so a
    /// failed sign-in takes as long whether or not the e-mail is known.
    let dummyHash: String

    public init(cost: UInt8) {
        self.cost = cost
        self.dummyHash = Bcrypt.hash("no such account \(UInt64.random(in: 0...UInt64.max))", cost: cost)
    }

    public func hash(_ password: String) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    func verify(_ password: String, against hash: String) -> Bool {
        Bcrypt.verify(password, hash: hash)
    }
}
