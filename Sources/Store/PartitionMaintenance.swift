import Foundation
import PostgresNIO

/// Keeps monthly message partitions created ahead of time, so ingestion rarely has
/// to create one (creating a partition briefly locks the parent table).
public struct PartitionMaintenance: Sendable {
    let client: PostgresClient
    public init(client: PostgresClient) { self.client = client }

    /// Ensures partitions for this month and the next `monthsAhead`. Returns their names.
    @discardableResult
    public func ensureAhead(from now: Date, monthsAhead: Int, logger: Logger) async throws -> [String] {
        let rows = try await client.query("""
            SELECT ensure_message_partition(m)
            FROM generate_series(date_trunc('month', \(now)), date_trunc('month', \(now)) + make_interval(months => \(monthsAhead)),
                                 interval '1 month') AS m
            """, logger: logger)
        return try await rows.decode(String.self).all()
    }
}
