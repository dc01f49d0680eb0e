import Domain
import PostgresNIO

extension Plan {
    /// The `plans` columns every reader of a whole plan selects, in `init(cells:)`'s order.
    static let columns = """
        code, name, history_visible_days, export_enabled, export_row_cap, custom_retention_allowed,
        minimum_retention_days, maximum_retention_days
        """

    /// A plan from the first columns of a row that starts with `columns`.
    init(cells: PostgresRandomAccessRow) throws {
        func cell<T: PostgresDecodable>(_ index: Int, _ type: T.Type = T.self) throws -> T {
            try cells[index].decode(T.self, context: .default)
        }
        self.init(code: try cell(0), name: try cell(1), historyVisibleDays: try cell(2), exportEnabled: try cell(3),
                  exportRowCap: try cell(4), customRetentionAllowed: try cell(5),
                  minimumRetentionDays: try cell(6), maximumRetentionDays: try cell(7))
    }

    static let columnCount = 8

    static func decode(_ rows: PostgresRowSequence) async throws -> [Plan] {
        var plans: [Plan] = []
        for try await row in rows { plans.append(try Plan(cells: row.makeRandomAccess())) }
        return plans
    }
}
