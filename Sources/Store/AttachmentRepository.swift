import Domain
import Foundation
import PostgresNIO

/// A file, image, voice or link message's attachment, with where it was sent.
public struct AttachmentRecord: Sendable {
    public let messageID: UUID
    public let conversationID: UUID
    public let kind: MessageKind
    public let sentAt: Date
    public let attachment: Attachment
}

/// Attachments of one conversation, or of every conversation the caller may see.
public struct AttachmentRepository: Sendable {
    let tx: Transaction
    let tenantID: UUID

    public init(_ tx: Transaction, tenantID: UUID) {
        self.tx = tx
        self.tenantID = tenantID
    }

    /// A conversation's attachments in the order they were sent.
    public func attachments(of conversationID: UUID) async throws -> [AttachmentRecord] {
        _ = try await ConversationRepository(tx, tenantID: tenantID).conversation(conversationID)
        let rows = try await tx.query("""
            SELECT id, conversation_id, kind, created_at, attachment::text FROM messages
            WHERE tenant_id = \(tenantID) AND conversation_id = \(conversationID) AND attachment IS NOT NULL
            ORDER BY created_at, id
            """)
        return try await Self.decode(rows)
    }

    /// Attachments across conversations, newest first, by kind and time (the `messages_attachments` index).
    public func attachments(kind: MessageKind?, from: Date?, to: Date?, after cursor: KeysetCursor?, limit: Int) async throws -> Page<AttachmentRecord> {
        let rows = try await tx.query("""
            SELECT id, conversation_id, kind, created_at, attachment::text FROM messages
            WHERE tenant_id = \(tenantID) AND attachment IS NOT NULL
              AND (\(kind?.rawValue)::text IS NULL OR kind = \(kind?.rawValue))
              AND (\(from)::timestamptz IS NULL OR created_at >= \(from))
              AND (\(to)::timestamptz IS NULL OR created_at < \(to))
              AND (\(cursor?.microseconds)::bigint IS NULL OR (created_at, id) < ((timestamptz 'epoch' + \(cursor?.microseconds)::bigint * interval '1 microsecond'), \(cursor?.id)))
            ORDER BY created_at DESC, id DESC
            LIMIT \(limit + 1)
            """)
        return ConversationRepository.page(try await Self.decode(rows), limit: limit) { KeysetCursor(time: $0.sentAt, id: $0.messageID) }
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> [AttachmentRecord] {
        var records: [AttachmentRecord] = []
        for try await (id, conversationID, kind, sentAt, json) in rows.decode((UUID, UUID, String, Date, String).self) {
            guard let attachment = try? JSONDecoder().decode(Attachment.self, from: Data(json.utf8)) else { continue }
            records.append(AttachmentRecord(messageID: id, conversationID: conversationID, kind: MessageKind(rawValue: kind) ?? .file,
                                            sentAt: sentAt, attachment: attachment))
        }
        return records
    }
}
