import Crypto
import Foundation
import PostgresNIO

/// The key of the audit trail's hash chain (`PARLEY_AUDIT_KEY`). It is never stored in the
/// database: whoever can change rows there, but not read the service's configuration,
/// cannot compute the hash a changed row would need.
public struct AuditChainKey: Sendable {
    let key: SymmetricKey

    /// Secrets shorter than this are refused at start-up (HMAC-SHA256's own block of strength).
    public static let minimumSecretBytes = 32

    public init(secret: some Sequence<UInt8>) {
        self.key = SymmetricKey(data: Array(secret))
    }

    /// The hash an event at `position` after `previousHash` must carry.
    func hash(_ event: AuditChainEvent, position: Int64, previousHash: [UInt8]) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: key)
        var input = ByteBuffer()
        input.writeString("parley-audit-v1")
        input.writeInteger(position)
        Self.field(previousHash, into: &input)
        Self.field(Array(event.tenantID.uuidString.lowercased().utf8), into: &input)
        Self.field(Array(event.id.uuidString.lowercased().utf8), into: &input)
        Self.field(event.actorID.map { Array($0.uuidString.lowercased().utf8) }, into: &input)
        Self.field(Array(event.action.utf8), into: &input)
        Self.field(Array(event.targetType.utf8), into: &input)
        Self.field(event.targetID.map { Array($0.uuidString.lowercased().utf8) }, into: &input)
        Self.field(Array(event.details.utf8), into: &input)
        input.writeInteger(event.occurredAtMicroseconds)
        Self.field(event.clientAddress.map { Array($0.utf8) }, into: &input)
        Self.field(event.userAgent.map { Array($0.utf8) }, into: &input)
        hmac.update(data: input.readableBytesView)
        return Array(hmac.finalize())
    }

    /// Length-prefixed, so no two different events encode alike; absent is not empty.
    private static func field(_ bytes: [UInt8]?, into buffer: inout ByteBuffer) {
        guard let bytes else {
            buffer.writeInteger(UInt32.max)
            return
        }
        buffer.writeInteger(UInt32(bytes.count))
        buffer.writeBytes(bytes)
    }
}

/// An audit event's content as the chain covers it, read back from the database in the
/// database's own spelling (`details::text` is jsonb's canonical text; the time in
/// microseconds), so the hash does not depend on how Swift would format either.
struct AuditChainEvent: Sendable {
    let tenantID: UUID
    let id: UUID
    let actorID: UUID?
    let action: String
    let targetType: String
    let targetID: UUID?
    let details: String
    let occurredAtMicroseconds: Int64
    let clientAddress: String?
    let userAgent: String?

    /// The columns `init(row:tenantID:)` decodes, in order.
    static let columns = """
        id, actor_id, action, target_type, target_id, details::text,
        (extract(epoch FROM occurred_at) * 1000000)::bigint, client_address, user_agent
        """
    typealias Row = (UUID, UUID?, String, String, UUID?, String, Int64, String?, String?)

    init(_ row: Row, tenantID: UUID) {
        self.tenantID = tenantID
        (id, actorID, action, targetType, targetID, details, occurredAtMicroseconds, clientAddress, userAgent) = row
    }
}

enum AuditChain {
    /// What the first event of a chain links to.
    static let genesisHash = [UInt8](repeating: 0, count: 32)
}
