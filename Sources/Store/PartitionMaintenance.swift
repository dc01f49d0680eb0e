import Foundation
import PostgresNIO

/// Keeps monthly message partitions created ahead of time, so ingestion rarely has
/// to create one (creating a partition briefly locks the parent table).
public struct PartitionMaintenance: Sendable {
    let client: PostgresClient
    public init(client: PostgresClient) { self.client = client }

    /// Ensures partitions for this month and the next `monthsAhead`. Returns their names.
    ///
    /// Each month in a statement (and transaction) of its own: DDL is best kept short, and
    /// on Citus a partition must be created in a transaction that does nothing else.
    @discardableResult
    public func ensureAhead(from now: Date, monthsAhead: Int, logger: Logger) async throws -> [String] {
        var names: [String] = []
        for month in Self.months(from: now, count: monthsAhead + 1) {
            let rows = try await client.query("SELECT ensure_message_partition(\(month))", logger: logger)
            names += try await rows.decode(String.self).all()
        }
        return names
    }

    /// The UTC starts of `count` months from the one holding `date`. Computed here rather
    /// than by `generate_series` with `make_interval(months => $n)`: PostgresNIO binds a
    /// Swift `Int` as bigint, and there is no `make_interval(months => bigint)` — the
    /// worker failed on every round with that until a test ran it.
    static func months(from date: Date, count: Int) -> [Date] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let start = KnownPartitions.monthStart(date)
        return (0..<count).map { calendar.date(byAdding: .month, value: $0, to: start)! }
    }
}
