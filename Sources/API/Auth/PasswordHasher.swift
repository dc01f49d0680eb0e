import HummingbirdBcrypt
import NIOPosix
import Synchronization

/// bcrypt via hummingbird-auth. The cost is configurable so tests and demo seeds can
/// use a cheap factor; verification reads the cost from the stored hash.
///
/// bcrypt is deliberately slow (about 250 ms at cost 12), so request handlers hash and
/// verify on NIO's blocking thread pool: on the cooperative pool it would stall every
/// other request scheduled on that thread.
public struct PasswordHasher: Sendable {
    public let cost: UInt8
    /// A real hash of a random string, checked when the account does not exist, so a
    /// failed sign-in takes as long whether or not the e-mail is known.
    let dummyHash: String
    private let checks = Checks()

    /// Password checks made so far: every sign-in makes exactly one, whatever is wrong
    /// with it, so no path answers faster than another (tests hold the server to that).
    public var verifications: Int { checks.count.load(ordering: .relaxed) }

    private final class Checks: Sendable {
        let count = Atomic<Int>(0)
    }

    public init(cost: UInt8) {
        self.cost = cost
        self.dummyHash = Bcrypt.hash("no such account \(UInt64.random(in: 0...UInt64.max))", cost: cost)
    }

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// Blocks the calling thread: for command-line tools and test fixtures, not for request handlers.
    public func hashSynchronously(_ password: String) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    func verify(_ password: String, against hash: String) async -> Bool {
        checks.count.add(1, ordering: .relaxed)
        return (try? await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }) ?? false
    }
}
