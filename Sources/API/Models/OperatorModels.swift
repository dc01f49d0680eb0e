import Domain
import Foundation
import Store

struct CreateTenantRequest: Decodable {
    let slug: String
    let name: String
    let plan: String
    let admin: NewAdminBody

    struct NewAdminBody: Decodable {
        let email: String
        let displayName: String
        let password: String
    }
}

/// At least one of them; absent members keep their value.
struct ChangeTenantRequest: Decodable {
    let plan: String?
    /// IANA name; export files and schedules show and count time in it.
    let timeZone: String?
}

struct TenantBody: Encodable {
    let id: UUID
    let slug: String
    let name: String
    let plan: String
    let timeZone: String
    let createdAt: Date
    var adminUserId: UUID?

    init(_ record: TenantRecord, adminUserID: UUID? = nil) {
        id = record.id
        slug = record.slug
        name = record.name
        plan = record.planCode
        timeZone = record.timeZone
        createdAt = record.createdAt
        adminUserId = adminUserID
    }
}

/// A plan's limits as the operator reads and writes them.
struct PlanBody: Codable {
    let code: String?
    let name: String?
    let historyVisibleDays: Int?
    let exportEnabled: Bool
    let exportRowCap: Int
    let customRetentionAllowed: Bool

    init(_ plan: Plan) {
        code = plan.code
        name = plan.name
        historyVisibleDays = plan.historyVisibleDays
        exportEnabled = plan.exportEnabled
        exportRowCap = plan.exportRowCap
        customRetentionAllowed = plan.customRetentionAllowed
    }
}

struct ListBody<Item: Encodable>: Encodable {
    let items: [Item]
    var nextCursor: String?
}

extension PlanBody: NullableMembers {
    /// `null` is "permanent" history; `code` and `name` are read-only, ignored on input.
    static let nullableMembers: Set<String> = ["historyVisibleDays", "code", "name"]
}
