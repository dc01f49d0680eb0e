import Domain
import Foundation
import PostgresNIO

public struct NoteRecord: Sendable, Equatable {
    public let id: UUID
    public let customerID: UUID
    public let text: String
    public let locked: Bool
    public let createdBy: UUID
    public let createdAt: Date
    public let updatedBy: UUID
    public let updatedAt: Date
}

public struct NoteRevisionRecord: Sendable, Equatable {
    public let action: String
    public let text: String
    public let actorID: UUID
    public let at: Date
}

public struct VisitRecord: Sendable, Equatable {
    public let id: UUID
    public let channel: Domain.Channel
    public let pageURL: String
    public let pageTitle: String?
    public let referrer: String?
    public let entrySource: String?
    public let device: String?
    public let startedAt: Date
    public let dwellSeconds: Int?
}

/// One entry of a customer's timeline: a conversation or a visit, in time order.
public enum TimelineEntry: Sendable {
    case conversation(ConversationRecord)
    case visit(VisitRecord)

    public var time: Date {
        switch self {
        case .conversation(let conversation): conversation.startedAt
        case .visit(let visit): visit.startedAt
        }
    }

    public var id: UUID {
        switch self {
        case .conversation(let conversation): conversation.id
        case .visit(let visit): visit.id
        }
    }
}

/// Notes (with full revision history and an admin lock) and visit records of customers.
public struct CustomerProfileRepository: Sendable {
    let tx: Transaction
    let tenantID: UUID

    public init(_ tx: Transaction, tenantID: UUID) {
        self.tx = tx
        self.tenantID = tenantID
    }

    public enum NoteError: Error, Sendable, Equatable {
        /// The note is locked and the caller is not an admin.
        case locked
    }

    public func notes(of customerID: UUID) async throws -> [NoteRecord] {
        try await notes(customerID: customerID, noteID: nil)
    }

    private func notes(customerID: UUID, noteID: UUID?) async throws -> [NoteRecord] {
        let rows = try await tx.query("""
            SELECT id, customer_id, body, locked, created_by, created_at, updated_by, updated_at FROM customer_notes
            WHERE tenant_id = \(tenantID) AND customer_id = \(customerID) AND (\(noteID)::uuid IS NULL OR id = \(noteID))
            ORDER BY created_at, id
            """)
        return try await rows.decode((UUID, UUID, String, Bool, UUID, Date, UUID, Date).self).all().map(NoteRecord.init)
    }

    private func note(_ noteID: UUID, of customerID: UUID) async throws -> NoteRecord {
        guard let note = try await notes(customerID: customerID, noteID: noteID).first else { throw StoreError.notFound("note") }
        return note
    }

    public func addNote(to customerID: UUID, text: String, by actor: UUID) async throws -> NoteRecord {
        _ = try await CustomerRepository(tx, tenantID: tenantID).customer(customerID)
        let id = tx.ids.make()
        let now = tx.clock.now()
        try await tx.execute("""
            INSERT INTO customer_notes (tenant_id, id, customer_id, body, created_by, created_at, updated_by, updated_at)
            VALUES (\(tenantID), \(id), \(customerID), \(text), \(actor), \(now), \(actor), \(now))
            """)
        try await recordRevision(of: id, action: "created", text: text, by: actor)
        return try await note(id, of: customerID)
    }

    /// Changes a note's text, keeping the new text as a revision. Locked notes: admins only.
    public func editNote(_ noteID: UUID, of customerID: UUID, text: String, by actor: UUID, isAdmin: Bool) async throws -> NoteRecord {
        let current = try await note(noteID, of: customerID)
        guard !current.locked || isAdmin else { throw NoteError.locked }
        try await tx.execute("""
            UPDATE customer_notes SET body = \(text), updated_by = \(actor), updated_at = \(tx.clock.now())
            WHERE tenant_id = \(tenantID) AND id = \(noteID)
            """)
        try await recordRevision(of: noteID, action: "edited", text: text, by: actor)
        return try await note(noteID, of: customerID)
    }

    /// Locks or unlocks a note (the API lets admins only). Recorded in the history.
    public func setLocked(_ noteID: UUID, of customerID: UUID, locked: Bool, by actor: UUID) async throws -> NoteRecord {
        let current = try await note(noteID, of: customerID)
        guard current.locked != locked else { return current }
        try await tx.execute("""
            UPDATE customer_notes SET locked = \(locked), updated_by = \(actor), updated_at = \(tx.clock.now())
            WHERE tenant_id = \(tenantID) AND id = \(noteID)
            """)
        try await recordRevision(of: noteID, action: locked ? "locked" : "unlocked", text: current.text, by: actor)
        return try await note(noteID, of: customerID)
    }

    public func revisions(of noteID: UUID, customerID: UUID) async throws -> [NoteRevisionRecord] {
        _ = try await note(noteID, of: customerID)
        let rows = try await tx.query("""
            SELECT action, body, actor_id, at FROM customer_note_revisions
            WHERE tenant_id = \(tenantID) AND note_id = \(noteID) ORDER BY at, id
            """)
        return try await rows.decode((String, String, UUID, Date).self).all().map(NoteRevisionRecord.init)
    }

    private func recordRevision(of noteID: UUID, action: String, text: String, by actor: UUID) async throws {
        try await tx.execute("""
            INSERT INTO customer_note_revisions (tenant_id, id, note_id, body, action, actor_id, at)
            VALUES (\(tenantID), \(tx.ids.make()), \(noteID), \(text), \(action), \(actor), \(tx.clock.now()))
            """)
    }

    /// Conversations (those the caller may see) and visits of a customer, merged oldest first.
    public func timeline(of customerID: UUID, after cursor: KeysetCursor?, limit: Int) async throws -> Page<TimelineEntry> {
        _ = try await CustomerRepository(tx, tenantID: tenantID).customer(customerID)
        // One more than a page of each kind, so the merged page knows whether more follow.
        let conversations = try await ConversationRepository(tx, tenantID: tenantID)
            .conversations(ofCustomer: customerID, after: cursor, limit: limit + 1).items
        let visits = try await self.visits(of: customerID, after: cursor, limit: limit + 1)
        let merged = (conversations.map(TimelineEntry.conversation) + visits.map(TimelineEntry.visit))
            .sorted { ($0.time, $0.id.uuidString) < ($1.time, $1.id.uuidString) }
        return ConversationRepository.page(Array(merged.prefix(limit + 1)), limit: limit) { KeysetCursor(time: $0.time, id: $0.id) }
    }

    /// The customer's visits, oldest first, after `cursor`; all of them with a `nil` limit.
    public func visits(of customerID: UUID, after cursor: KeysetCursor? = nil, limit: Int? = nil) async throws -> [VisitRecord] {
        let rows = try await tx.query("""
            SELECT id, channel, page_url, page_title, referrer, entry_source, device, started_at, dwell_seconds FROM visits
            WHERE tenant_id = \(tenantID) AND customer_id = \(customerID)
              AND (\(cursor?.microseconds)::bigint IS NULL OR (started_at, id) > ((timestamptz 'epoch' + \(cursor?.microseconds)::bigint * interval '1 microsecond'), \(cursor?.id)))
            ORDER BY started_at, id
            LIMIT \(limit)
            """)
        var visits: [VisitRecord] = []
        for try await row in rows.decode((UUID, String, String, String?, String?, String?, String?, Date, Int?).self) {
            visits.append(VisitRecord(id: row.0, channel: Domain.Channel(rawValue: row.1) ?? .web, pageURL: row.2, pageTitle: row.3,
                                      referrer: row.4, entrySource: row.5, device: row.6, startedAt: row.7, dwellSeconds: row.8))
        }
        return visits
    }
}
