import Domain
import Foundation
import PostgresNIO

public struct TagRecord: Sendable, Equatable {
    public let id: UUID
    public let name: String
    public let color: String?
    public let createdAt: Date
}

/// The tenant's tag library. Everyone reads it; admins change it (checked by the API).
public struct TagRepository: Sendable {
    let tx: Transaction
    let tenantID: UUID

    public init(_ tx: Transaction, tenantID: UUID) {
        self.tx = tx
        self.tenantID = tenantID
    }

    public func tags() async throws -> [TagRecord] {
        let rows = try await tx.query("SELECT id, name, color, created_at FROM tags WHERE tenant_id = \(tenantID) ORDER BY name")
        return try await rows.decode((UUID, String, String?, Date).self).all().map(TagRecord.init)
    }

    public func create(name: String, color: String?) async throws -> TagRecord {
        let tag = TagRecord(id: tx.ids.make(), name: name, color: color, createdAt: tx.clock.now())
        do {
            try await tx.execute("""
                INSERT INTO tags (tenant_id, id, name, color, created_at)
                VALUES (\(tenantID), \(tag.id), \(name), \(color), \(tag.createdAt))
                """)
        } catch where error.isUniqueViolation {
            throw StoreError.conflict("a tag named '\(name)' already exists")
        }
        try await AuditLog(tx, tenantID: tenantID)
            .record(actor: tx.user?.userID, action: "tag.created", targetType: "tag", targetID: tag.id, details: ["name": name])
        return tag
    }

    /// Renames a tag and/or changes its colour (`color: .some(nil)` removes it); the rows it
    /// labels keep it (they hold its id).
    public func update(_ id: UUID, name: String?, color: String??) async throws -> TagRecord {
        let rows: [(UUID, String, String?, Date)]
        do {
            rows = try await tx.query("""
                UPDATE tags SET name = COALESCE(\(name), name),
                                color = CASE WHEN \(color != nil) THEN \(color ?? nil) ELSE color END
                WHERE tenant_id = \(tenantID) AND id = \(id)
                RETURNING id, name, color, created_at
                """).decode((UUID, String, String?, Date).self).all()
        } catch where error.isUniqueViolation {
            throw StoreError.conflict("a tag named '\(name ?? "")' already exists")
        }
        guard let row = rows.first else { throw StoreError.notFound("tag") }
        var details: [String: String] = [:]
        if let name { details["name"] = name }
        if let color { details["color"] = color ?? "none" }
        try await AuditLog(tx, tenantID: tenantID).record(actor: tx.user?.userID, action: "tag.changed", targetType: "tag", targetID: id,
                                                          details: details)
        return TagRecord(id: row.0, name: row.1, color: row.2, createdAt: row.3)
    }

    /// Deletes a tag and takes it off every conversation and customer that carried it.
    public func delete(_ id: UUID) async throws {
        let deleted = try await tx.query("DELETE FROM tags WHERE tenant_id = \(tenantID) AND id = \(id) RETURNING id").decode(UUID.self).all()
        guard !deleted.isEmpty else { throw StoreError.notFound("tag") }
        try await AuditLog(tx, tenantID: tenantID).record(actor: tx.user?.userID, action: "tag.deleted", targetType: "tag", targetID: id)
        try await tx.liftHistoryWindow()
        try await tx.execute("""
            UPDATE conversations SET tag_ids = array_remove(tag_ids, \(id))
            WHERE tenant_id = \(tenantID) AND tag_ids @> ARRAY[\(id)]::uuid[]
            """)
        try await tx.execute("""
            UPDATE customers SET tag_ids = array_remove(tag_ids, \(id))
            WHERE tenant_id = \(tenantID) AND tag_ids @> ARRAY[\(id)]::uuid[]
            """)
    }

    /// The ids, deduplicated, after checking each is in the library (a `ValidationError` otherwise).
    func requireTags(_ ids: [UUID]) async throws -> [UUID] {
        // A Set, not NSOrderedSet: on Linux that does not compare UUIDs by value, and
        // [T1, T2, T1] was stored as it came. First occurrence wins, order kept.
        var seen: Set<UUID> = []
        let unique = ids.filter { seen.insert($0).inserted }
        guard !unique.isEmpty else { return [] }
        let found = Set(try await tx.query("""
            SELECT id FROM tags WHERE tenant_id = \(tenantID) AND id = ANY(\(unique))
            """).decode(UUID.self).all())
        if let index = ids.firstIndex(where: { !found.contains($0) }) {
            throw ValidationError(field: "tagIds[\(index)]", reason: "no such tag")
        }
        return unique
    }
}
