import Foundation
import PostgresNIO

/// Failed sign-ins per client address, in fixed windows (sql/0005_defects.sql): past
/// the limit, that address waits for the window to end, whichever accounts or tenants
/// it tries. The per-account lock (AuthRepository) cannot see a guesser who spreads
/// attempts over many accounts; this can, and it is shared by every replica.
public struct SignInThrottle: Sendable {
    let tx: Transaction
    /// Failures an address may make per window.
    let limit: Int
    public static let window: TimeInterval = 15 * 60

    public init(_ tx: Transaction, limit: Int) {
        self.tx = tx
        self.limit = limit
    }

    /// Seconds until `address` may try again, or `nil` when it may now.
    public func retryAfter(address: String) async throws -> Int? {
        let (start, end) = Self.window(containing: tx.clock.now())
        let failures = try await tx.query("""
            SELECT failures FROM sign_in_failures WHERE client_address = \(address) AND window_start = \(start)
            """).decode(Int.self).all().first ?? 0
        guard failures >= limit else { return nil }
        return max(1, Int(end.timeIntervalSince(tx.clock.now()).rounded(.up)))
    }

    /// Counts a failed sign-in from `address`, and forgets windows older than a day.
    public func recordFailure(address: String) async throws {
        let now = tx.clock.now()
        let (start, _) = Self.window(containing: now)
        try await tx.execute("""
            INSERT INTO sign_in_failures (client_address, window_start, failures) VALUES (\(address), \(start), 1)
            ON CONFLICT (client_address, window_start) DO UPDATE SET failures = sign_in_failures.failures + 1
            """)
        try await tx.execute("DELETE FROM sign_in_failures WHERE window_start < \(now.addingTimeInterval(-86_400))")
    }

    static func window(containing date: Date) -> (start: Date, end: Date) {
        let start = (date.timeIntervalSince1970 / window).rounded(.down) * window
        return (Date(timeIntervalSince1970: start), Date(timeIntervalSince1970: start + window))
    }
}
