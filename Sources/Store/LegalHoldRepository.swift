import Domain
import Foundation
import PostgresNIO

public struct LegalHoldRecord: Sendable, Equatable {
    public let id: UUID
    public let subject: LegalHoldSubject
    public let reason: String
    public let placedBy: UUID?
    public let placedAt: Date
    public let releasedBy: UUID?
    public let releasedAt: Date?
    public let releaseReason: String?

    public var active: Bool { releasedAt == nil }

    static let columns = "id, subject_type, subject_id, reason, placed_by, placed_at, released_by, released_at, release_reason"

    static func decode(_ rows: PostgresRowSequence) async throws -> [LegalHoldRecord] {
        var holds: [LegalHoldRecord] = []
        for try await (id, type, subjectID, reason, placedBy, placedAt, releasedBy, releasedAt, releaseReason)
            in rows.decode((UUID, String, UUID?, String, UUID?, Date, UUID?, Date?, String?).self) {
            guard let subject = LegalHoldSubject(typeName: type, id: subjectID) else { throw StoreError.corrupt("legal hold \(id)") }
            holds.append(LegalHoldRecord(id: id, subject: subject, reason: reason, placedBy: placedBy, placedAt: placedAt,
                                         releasedBy: releasedBy, releasedAt: releasedAt, releaseReason: releaseReason))
        }
        return holds
    }
}

/// Legal holds in the tenant's scope. A hold is placed under the tenant's retention lock,
/// taken exclusively (`RetentionLock`): a deleting batch in flight finishes first, and every
/// batch after it sees the hold. Holds are released, never deleted.
public struct LegalHoldRepository: Sendable {
    let tx: Transaction
    let tenantID: UUID

    public init(_ tx: Transaction, tenantID: UUID) {
        self.tx = tx
        self.tenantID = tenantID
    }

    /// Places a hold. The customer or conversation must exist for the caller (404 otherwise:
    /// another tenant's id, or one that was deleted) — one in the recycle bin too: a hold is
    /// what keeps it from the purge.
    public func place(_ subject: LegalHoldSubject, reason: String, by userID: UUID) async throws -> LegalHoldRecord {
        try await RetentionLock.takeExclusively(tx, tenantID: tenantID)
        switch subject {
        case .tenant:
            break
        case .customer(let id):
            let found = try await tx.query("SELECT 1 FROM customers WHERE tenant_id = \(tenantID) AND id = \(id)").decode(Int.self).all()
            guard !found.isEmpty else { throw StoreError.notFound("customer") }
        case .conversation(let id):
            try await RecycleBinRepository(tx, tenantID: tenantID).openBin()
            let found = try await tx.query("SELECT 1 FROM conversations WHERE tenant_id = \(tenantID) AND id = \(id)")
                .decode(Int.self).all()
            guard !found.isEmpty else { throw StoreError.notFound("conversation") }
        }
        let rows = try await tx.query("""
            INSERT INTO legal_holds (tenant_id, id, subject_type, subject_id, reason, placed_by, placed_at)
            VALUES (\(tenantID), \(tx.ids.make()), \(subject.typeName), \(subject.id), \(reason), \(userID), \(tx.clock.now()))
            RETURNING \(unescaped: LegalHoldRecord.columns)
            """)
        return try await LegalHoldRecord.decode(rows)[0]
    }

    /// Every hold of the tenant, newest first; only the active ones with `activeOnly`.
    public func list(activeOnly: Bool) async throws -> [LegalHoldRecord] {
        try await LegalHoldRecord.decode(tx.query("""
            SELECT \(unescaped: LegalHoldRecord.columns) FROM legal_holds
            WHERE tenant_id = \(tenantID) AND (NOT \(activeOnly) OR released_at IS NULL)
            ORDER BY placed_at DESC, id DESC
            """))
    }

    public func hold(_ id: UUID) async throws -> LegalHoldRecord {
        let rows = try await tx.query("""
            SELECT \(unescaped: LegalHoldRecord.columns) FROM legal_holds WHERE tenant_id = \(tenantID) AND id = \(id)
            """)
        guard let hold = try await LegalHoldRecord.decode(rows).first else { throw StoreError.notFound("legal hold") }
        return hold
    }

    /// Releases an active hold; `StoreError.conflict` when it was released already.
    public func release(_ id: UUID, reason: String, by userID: UUID) async throws -> LegalHoldRecord {
        let rows = try await tx.query("""
            UPDATE legal_holds SET released_by = \(userID), released_at = \(tx.clock.now()), release_reason = \(reason)
            WHERE tenant_id = \(tenantID) AND id = \(id) AND released_at IS NULL
            RETURNING \(unescaped: LegalHoldRecord.columns)
            """)
        if let released = try await LegalHoldRecord.decode(rows).first { return released }
        _ = try await hold(id)  // 404 when there is no such hold
        throw StoreError.conflict("the legal hold was released already")
    }
}

/// The tenant's retention lock: holds are placed holding it exclusively, deleting batches
/// holding it shared, each until its transaction ends (an advisory lock: no table is locked).
enum RetentionLock {
    static func takeExclusively(_ tx: Transaction, tenantID: UUID) async throws {
        try await tx.execute("SELECT pg_advisory_xact_lock(hashtext(\(key(tenantID))))")
    }

    static func takeShared(_ tx: Transaction, tenantID: UUID) async throws {
        try await tx.execute("SELECT pg_advisory_xact_lock_shared(hashtext(\(key(tenantID))))")
    }

    private static func key(_ tenantID: UUID) -> String { "parley.retention." + tenantID.uuidString.lowercased() }
}
