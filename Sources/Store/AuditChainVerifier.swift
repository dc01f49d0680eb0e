import Foundation
import PostgresNIO

/// Walks a tenant's audit chain in position order and reports, by position, every event
/// whose content no longer matches its hash, every position missing, every event that does
/// not follow the one before it, and a head that disagrees with the last event.
///
/// What it cannot see: a row inserted unsealed (it looks like an event not yet sealed and
/// is sealed like one), and the newest events cut off together with the head set back to
/// an earlier state. Against the second, keep the head that `parley audit verify` prints
/// somewhere the database's administrators cannot write, and compare.
public struct AuditChainVerifier: Sendable {
    let database: Database
    let key: AuditChainKey
    /// Events read per transaction.
    let pageSize: Int

    public init(database: Database, key: AuditChainKey, pageSize: Int = 5_000) {
        self.database = database
        self.key = key
        self.pageSize = pageSize
    }

    public func verify(tenantID: UUID) async throws -> AuditChainReport {
        var report = AuditChainReport(tenantID: tenantID)
        var expected: Int64 = 1
        var previousHash = AuditChain.genesisHash
        var last: Int64 = 0
        while true {
            let page = try await database.withScope(.tenant(tenantID)) { tx in
                try await tx.query("""
                    SELECT chain_position, previous_hash, hash, \(unescaped: AuditChainEvent.columns) FROM audit_events
                    WHERE tenant_id = \(tenantID) AND chain_position > \(last)
                    ORDER BY chain_position
                    LIMIT \(pageSize)
                    """).decode((Int64, ByteBuffer?, ByteBuffer?, UUID, UUID?, String, String, UUID?, String, Int64, String?, String?).self)
                    .all()
            }
            for row in page {
                let position = row.0
                let storedPrevious = row.1.map { Array($0.readableBytesView) } ?? []
                let storedHash = row.2.map { Array($0.readableBytesView) } ?? []
                let event = AuditChainEvent((row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10, row.11), tenantID: tenantID)
                if position > expected {
                    report.problems.append(.init(position: expected, kind: .missing, through: position - 1))
                    previousHash = storedPrevious  // carry on from the event after the gap
                }
                if storedPrevious != previousHash {
                    report.problems.append(.init(position: position, kind: .outOfPlace))
                }
                if key.hash(event, position: position, previousHash: storedPrevious) != storedHash {
                    report.problems.append(.init(position: position, kind: .edited))
                }
                report.checked += 1
                previousHash = storedHash
                expected = position + 1
                last = position
            }
            if page.count < pageSize { break }
        }
        let (head, unsealed) = try await database.withScope(.tenant(tenantID)) { tx in
            let head = try await tx.query("""
                SELECT chain_position, hash FROM audit_chain_heads WHERE tenant_id = \(tenantID)
                """).decode((Int64, ByteBuffer).self).all().first
            let unsealed = try await tx.query("""
                SELECT count(*)::int FROM audit_events WHERE tenant_id = \(tenantID) AND chain_position IS NULL
                """).decode(Int.self).all().first ?? 0
            return (head.map { ($0.0, Array($0.1.readableBytesView)) }, unsealed)
        }
        report.unsealed = unsealed
        report.headPosition = head?.0 ?? 0
        report.headHash = head?.1 ?? AuditChain.genesisHash
        if report.headPosition > last {
            report.problems.append(.init(position: last + 1, kind: .missing, through: report.headPosition))
        } else if report.headPosition < last {
            report.problems.append(.init(position: report.headPosition + 1, kind: .beyondHead, through: last))
        } else if report.headHash != previousHash {
            report.problems.append(.init(position: last, kind: .headMismatch))
        }
        return report
    }
}

public struct AuditChainReport: Sendable {
    public let tenantID: UUID
    /// Sealed events read.
    public var checked = 0
    /// Events not yet sealed (not covered by the chain yet).
    public var unsealed = 0
    public var headPosition: Int64 = 0
    public var headHash: [UInt8] = []
    public var problems: [AuditChainProblem] = []

    public var intact: Bool { problems.isEmpty }
    public var headHex: String { headHash.map { String(format: "%02x", $0) }.joined() }
}

public struct AuditChainProblem: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The event's content (or its position) is not what was sealed.
        case edited
        /// Positions with no event: deleted.
        case missing
        /// The event does not link to the one before it: inserted, moved or a neighbour deleted.
        case outOfPlace = "out-of-place"
        /// Events past the chain's head: added behind the sealer's back.
        case beyondHead = "beyond-head"
        /// The head's hash is not the last event's.
        case headMismatch = "head-mismatch"
    }

    public let position: Int64
    public let kind: Kind
    /// For a range (missing, beyond-head): the last position of it.
    public let through: Int64?

    public init(position: Int64, kind: Kind, through: Int64? = nil) {
        self.position = position
        self.kind = kind
        self.through = through.flatMap { $0 == position ? nil : $0 }
    }

    public var description: String {
        let positions = through.map { "positions \(position)–\($0)" } ?? "position \(position)"
        switch kind {
        case .edited: return "\(positions): edited (the event does not match its hash)"
        case .missing: return "\(positions): missing (deleted)"
        case .outOfPlace: return "\(positions): out of place (does not follow the event before it: inserted, moved, or the one before it replaced)"
        case .beyondHead: return "\(positions): beyond the chain's head (inserted)"
        case .headMismatch: return "\(positions): the chain's head does not match the last event"
        }
    }
}

extension AuditChainVerifier {
    /// The tenants to verify: every one, or the one with `slug` (empty when there is none).
    public func tenants(slug: String?) async throws -> [(id: UUID, slug: String)] {
        try await database.withScope(.platformOperator) { tx in
            try await tx.query("""
                SELECT id, slug FROM tenants WHERE (\(slug)::text IS NULL OR slug = \(slug)) ORDER BY slug
                """).decode((UUID, String).self).all().map { (id: $0.0, slug: $0.1) }
        }
    }
}
