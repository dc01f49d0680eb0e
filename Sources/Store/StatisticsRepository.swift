import Foundation
import PostgresNIO

/// Statistics over conversations *started* in a time range (PRODUCT.md §7), computed in SQL
/// in the caller's scope: the policies leave an agent their own conversations, a supervisor
/// their departments', an admin the tenant's. Definitions (README, docs/statistics.md):
///
/// - **messages**: the messages of those conversations (their counters);
/// - **resolved**: ended and never transferred; **resolution rate** = resolved / conversations;
/// - **first response**: from the customer's first message to the first agent message after
///   it, for conversations that have both (messages up to `responseHorizon` after the range);
/// - **handling time**: from start to end, for ended conversations.
public struct StatisticsRepository: Sendable {
    let tx: Transaction
    let tenantID: UUID

    /// How far past the range's end an agent's first reply still counts for a conversation
    /// started inside it.
    public static let responseHorizon: TimeInterval = 7 * 86_400

    public init(_ tx: Transaction, tenantID: UUID) {
        self.tx = tx
        self.tenantID = tenantID
    }

    public struct ChannelRow: Sendable, Equatable {
        public let channel: String
        public let conversations: Int
        public let messages: Int
        public let ended: Int
        public let resolved: Int
        public var resolutionRate: Double { conversations == 0 ? 0 : Double(resolved) / Double(conversations) }
    }

    public func channels(from: Date, to: Date) async throws -> [ChannelRow] {
        try await tx.query("""
            SELECT c.channel, count(*)::int, COALESCE(sum(c.message_count), 0)::int,
                   count(*) FILTER (WHERE c.ended_at IS NOT NULL)::int,
                   count(*) FILTER (WHERE c.ended_at IS NOT NULL AND t.conversation_id IS NULL)::int
            FROM conversations c
            LEFT JOIN (SELECT DISTINCT conversation_id FROM conversation_transfers
                       WHERE tenant_id = \(tenantID) AND transferred_at >= \(from)) t ON t.conversation_id = c.id
            WHERE c.tenant_id = \(tenantID) AND c.started_at >= \(from) AND c.started_at < \(to)
            GROUP BY c.channel
            ORDER BY c.channel
            """).decode((String, Int, Int, Int, Int).self).all().map(ChannelRow.init)
    }

    public struct AgentRow: Sendable, Equatable {
        public let agentID: UUID
        public let name: String?
        public let conversations: Int
        /// Messages the agent sent in the range, in the range's conversations (whoever has them now).
        public let messages: Int
        public let averageFirstResponseSeconds: Double?
        public let p90FirstResponseSeconds: Double?
        public let averageHandlingSeconds: Double?
        public let good: Int
        public let neutral: Int
        public let bad: Int
        public let unrated: Int
    }

    /// Per agent the conversations were last assigned to (a transferred conversation counts for
    /// the agent who has it now).
    public func agents(from: Date, to: Date) async throws -> [AgentRow] {
        let horizon = to.addingTimeInterval(Self.responseHorizon)
        // The talk of the range's conversations only: bounded by time (so only those months'
        // partitions are read) and by the conversations (a semi-join on their ids).
        let rows = try await tx.query("""
            WITH conv AS (
                SELECT id, agent_id, started_at, ended_at, satisfaction FROM conversations
                WHERE tenant_id = \(tenantID) AND started_at >= \(from) AND started_at < \(to) AND agent_id IS NOT NULL
            ), talk AS (
                SELECT m.conversation_id, m.sender_side, m.sender_id, m.created_at,
                       min(m.created_at) FILTER (WHERE m.sender_side = 'customer')
                           OVER (PARTITION BY m.conversation_id) AS first_customer
                FROM messages m
                WHERE m.tenant_id = \(tenantID) AND m.created_at >= \(from) AND m.created_at < \(horizon)
                  AND m.sender_side IN ('customer', 'agent')
                  AND m.conversation_id IN (SELECT id FROM conv)
            ), per_conversation AS (
                SELECT conversation_id,
                       EXTRACT(EPOCH FROM min(created_at) FILTER (WHERE sender_side = 'agent' AND created_at >= first_customer)
                                          - min(first_customer))::float8 AS first_response
                FROM talk GROUP BY conversation_id
            ), sent AS (
                SELECT sender_id, count(*)::int AS messages FROM talk
                WHERE sender_side = 'agent' AND created_at < \(to) GROUP BY sender_id
            )
            SELECT c.agent_id, u.display_name, count(*)::int, COALESCE(min(s.messages), 0)::int,
                   avg(p.first_response)::float8,
                   (percentile_cont(0.9) WITHIN GROUP (ORDER BY p.first_response))::float8,
                   (avg(EXTRACT(EPOCH FROM c.ended_at - c.started_at)) FILTER (WHERE c.ended_at IS NOT NULL))::float8,
                   count(*) FILTER (WHERE c.satisfaction = 'good')::int,
                   count(*) FILTER (WHERE c.satisfaction = 'neutral')::int,
                   count(*) FILTER (WHERE c.satisfaction = 'bad')::int,
                   count(*) FILTER (WHERE c.satisfaction IS NULL)::int
            FROM conv c
            LEFT JOIN per_conversation p ON p.conversation_id = c.id
            LEFT JOIN users u ON u.tenant_id = \(tenantID) AND u.id = c.agent_id
            LEFT JOIN sent s ON s.sender_id = c.agent_id::text
            GROUP BY c.agent_id, u.display_name
            ORDER BY count(*) DESC, c.agent_id
            """)
        return try await rows.decode((UUID, String?, Int, Int, Double?, Double?, Double?, Int, Int, Int, Int).self).all()
            .map(AgentRow.init)
    }

    public struct DayRow: Sendable, Equatable {
        /// `YYYY-MM-DD` in the tenant's time zone.
        public let day: String
        public let conversations: Int
        public let messages: Int
        public let resolved: Int
    }

    /// One row per day of the range in the tenant's time zone, days without conversations included.
    public func days(from: Date, to: Date) async throws -> [DayRow] {
        try await tx.query("""
            WITH zone AS (SELECT time_zone FROM tenants WHERE id = \(tenantID)),
            counted AS (
                SELECT (c.started_at AT TIME ZONE (SELECT time_zone FROM zone))::date AS day, count(*)::int AS conversations,
                       COALESCE(sum(c.message_count), 0)::int AS messages,
                       count(*) FILTER (WHERE c.ended_at IS NOT NULL AND t.conversation_id IS NULL)::int AS resolved
                FROM conversations c
                LEFT JOIN (SELECT DISTINCT conversation_id FROM conversation_transfers
                           WHERE tenant_id = \(tenantID) AND transferred_at >= \(from)) t ON t.conversation_id = c.id
                WHERE c.tenant_id = \(tenantID) AND c.started_at >= \(from) AND c.started_at < \(to)
                GROUP BY 1
            )
            SELECT to_char(d.day, 'YYYY-MM-DD'), COALESCE(counted.conversations, 0), COALESCE(counted.messages, 0),
                   COALESCE(counted.resolved, 0)
            FROM generate_series((\(from)::timestamptz AT TIME ZONE (SELECT time_zone FROM zone))::date,
                                 ((\(to)::timestamptz - interval '1 microsecond') AT TIME ZONE (SELECT time_zone FROM zone))::date,
                                 interval '1 day') AS d(day)
            LEFT JOIN counted ON counted.day = d.day::date
            ORDER BY d.day
            """).decode((String, Int, Int, Int).self).all().map(DayRow.init)
    }
}
