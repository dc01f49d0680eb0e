import Domain
import Foundation
import Store

/// `POST /v1/admin/cleanup-rules`, `PUT /v1/admin/cleanup-rules/{ruleId}` and
/// `POST /v1/admin/cleanup-rules/preview`: the whole rule.
struct CleanupRuleRequest: Decodable, Sendable {
    /// One channel's conversations; absent or `null`: every channel.
    var channel: String?
    /// One department's conversations; absent or `null`: every department.
    var departmentId: UUID?
    var deleteAfterDays: Int
    var enabled: Bool?

    /// The rule's settings, checked against the plan's bounds and the tenant's compliance minimum.
    func settings(bounds: RetentionBounds) throws -> CleanupRuleSettings {
        let channel = try channel.map { try InputRules.enumeration($0, as: Domain.Channel.self, field: "channel") }
        try RetentionRules.checkDeleteAfter(days: deleteAfterDays, bounds: bounds)
        return CleanupRuleSettings(channel: channel, departmentID: departmentId, deleteAfterDays: deleteAfterDays,
                                   enabled: enabled ?? true)
    }
}

extension CleanupRuleRequest: NullableMembers {
    static let nullableMembers: Set<String> = ["channel", "departmentId"]
}

struct CleanupRuleBody: Encodable {
    let id: UUID
    let channel: String?
    let departmentId: UUID?
    let deleteAfterDays: Int
    let enabled: Bool
    let createdBy: UUID?
    let createdAt: Date
    let updatedAt: Date
    /// When the worker runs it next.
    let nextRunAt: Date

    init(_ record: CleanupRuleRecord) {
        id = record.id
        channel = record.channel?.rawValue
        departmentId = record.departmentID
        deleteAfterDays = record.deleteAfterDays
        enabled = record.enabled
        createdBy = record.createdBy
        createdAt = record.createdAt
        updatedAt = record.updatedAt
        nextRunAt = record.nextRunAt
    }
}

/// What a rule would delete if it ran now.
struct CleanupPreviewBody: Encodable {
    /// Conversations ended (and silent) before this are reached.
    let cutoff: Date
    let conversations: Int
    let messages: Int
    /// Conversations the rule reaches that legal holds keep (not counted above).
    let heldConversations: Int
    let complianceMinimumDays: Int?
}

/// `POST /v1/admin/legal-holds`.
struct PlaceHoldRequest: Decodable, Sendable {
    /// `tenant`, `customer` or `conversation`.
    var subjectType: String
    /// The customer's or conversation's id; absent for the tenant.
    var subjectId: UUID?
    var reason: String

    func subject() throws -> LegalHoldSubject {
        switch subjectType {
        case "tenant":
            guard subjectId == nil else { throw APIError.badRequest("a hold on the tenant takes no subjectId", field: "subjectId") }
            return .tenant
        case "customer", "conversation":
            guard let id = subjectId else {
                throw APIError.badRequest("a hold on a \(subjectType) needs its subjectId", field: "subjectId")
            }
            return subjectType == "customer" ? .customer(id) : .conversation(id)
        default:
            throw ValidationError(field: "subjectType", reason: "must be one of: tenant, customer, conversation")
        }
    }
}

/// `POST /v1/admin/legal-holds/{holdId}/release`.
struct ReleaseHoldRequest: Decodable, Sendable {
    var reason: String
}

struct LegalHoldBody: Encodable {
    let id: UUID
    let subjectType: String
    let subjectId: UUID?
    let reason: String
    let active: Bool
    let placedBy: UUID?
    let placedAt: Date
    let releasedBy: UUID?
    let releasedAt: Date?
    let releaseReason: String?

    init(_ record: LegalHoldRecord) {
        id = record.id
        subjectType = record.subject.typeName
        subjectId = record.subject.id
        reason = record.reason
        active = record.active
        placedBy = record.placedBy
        placedAt = record.placedAt
        releasedBy = record.releasedBy
        releasedAt = record.releasedAt
        releaseReason = record.releaseReason
    }
}

struct RetentionRunBody: Encodable {
    let id: UUID
    let ruleId: UUID
    let startedAt: Date
    let finishedAt: Date?
    let cutoff: Date
    /// `running`, `finished`, `interrupted` (its worker stopped; the next run went on) or `failed`.
    let status: String
    let conversationsDeleted: Int
    let messagesDeleted: Int
    let conversationsHeld: Int
    /// Page visits the rule deleted (rules for the whole tenant or one channel).
    let visitsDeleted: Int

    init(_ record: RetentionRunRecord) {
        id = record.id
        ruleId = record.ruleID
        startedAt = record.startedAt
        finishedAt = record.finishedAt
        cutoff = record.cutoff
        status = record.status
        conversationsDeleted = record.conversationsDeleted
        messagesDeleted = record.messagesDeleted
        conversationsHeld = record.conversationsHeld
        visitsDeleted = record.visitsDeleted
    }
}
