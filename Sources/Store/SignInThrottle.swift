import Foundation
import PostgresNIO

/// Failed sign-ins per client address, in fixed windows (sql/0005_defects.sql): past
/// the limit, that address waits for the window to end, whichever accounts or tenants
/// it tries. (An attempt in progress counts as a failure until it succeeds.) The per-account lock (AuthRepository) cannot see a guesser who spreads
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

    /// Counts an attempt from `address` before its password is checked, and returns the
    /// seconds to wait when the address is past its limit (`nil`: go ahead). Counting first,
    /// in one upsert, is what holds the limit under concurrency: checking, then counting
    /// after the ~250 ms check, let 78 of 100 simultaneous guesses through a limit of 20.
    /// A successful sign-in gives its attempt back (`forgiveAttempt`), so only failures count.
    public func admit(address: String) async throws -> Int? {
        let now = tx.clock.now()
        let (start, end) = Self.window(containing: now)
        let attempts = try await tx.query("""
            INSERT INTO sign_in_failures (client_address, window_start, failures) VALUES (\(address), \(start), 1)
            ON CONFLICT (client_address, window_start) DO UPDATE SET failures = sign_in_failures.failures + 1
            RETURNING failures
            """).decode(Int.self).all().first ?? 1
        // Forget windows older than a day, once per address and window rather than on every
        // attempt (a few rows: one per address that failed recently).
        if attempts == 1 {
            try await tx.execute("DELETE FROM sign_in_failures WHERE window_start < \(now.addingTimeInterval(-86_400))")
        }
        guard attempts > limit else { return nil }
        return max(1, Int(end.timeIntervalSince(now).rounded(.up)))
    }

    /// Takes back the attempt `admit` counted, after a sign-in that succeeded.
    public func forgiveAttempt(address: String) async throws {
        let (start, _) = Self.window(containing: tx.clock.now())
        try await tx.execute("""
            UPDATE sign_in_failures SET failures = failures - 1
            WHERE client_address = \(address) AND window_start = \(start) AND failures > 0
            """)
    }

    static func window(containing date: Date) -> (start: Date, end: Date) {
        let start = (date.timeIntervalSince1970 / window).rounded(.down) * window
        return (Date(timeIntervalSince1970: start), Date(timeIntervalSince1970: start + window))
    }
}
