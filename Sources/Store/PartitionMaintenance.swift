import Foundation
import PostgresNIO

/// Keeps monthly message partitions created ahead of time, so ingestion rarely has
/// to create one (creating a partition briefly locks the parent table), and drops old
/// months once retention has emptied them.
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

    /// Detaches and drops the month partitions that hold no row and ended more than two
    /// months before `now` (sql/0018: the function checks both again, under a lock). Each
    /// month in a transaction of its own. Returns the names dropped.
    @discardableResult
    public func dropEmpty(now: Date, logger: Logger) async throws -> [String] {
        let names = try await client.query("""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'public.messages'::regclass ORDER BY c.relname
            """, logger: logger).decode(String.self).all()
        let newestDroppable = Self.months(from: now, count: 1)[0].addingMonths(-3)
        var dropped: [String] = []
        for name in names {
            guard let month = Self.month(ofPartition: name), month <= newestDroppable else { continue }
            let rows = try await client.query("SELECT drop_message_partition_if_empty(\(month))", logger: logger)
            if try await rows.decode(Bool.self).all().first == true { dropped.append(name) }
        }
        return dropped
    }

    /// The month a partition named `messages_YYYY_MM` holds, or `nil` for any other name.
    static func month(ofPartition name: String) -> Date? {
        let parts = name.split(separator: "_")
        guard parts.count == 3, parts[0] == "messages", let year = Int(parts[1]), let month = Int(parts[2]),
              (1...12).contains(month) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: year, month: month, day: 1))
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

extension Date {
    /// The same instant `months` calendar months later (earlier when negative), in UTC.
    func addingMonths(_ months: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(byAdding: .month, value: months, to: self)!
    }
}
