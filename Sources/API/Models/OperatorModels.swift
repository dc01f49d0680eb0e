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
    var plan: String?
    /// IANA name; export files and schedules show and count time in it.
    var timeZone: String?
    /// Days every conversation is kept at least (clean-up never reaches younger ones);
    /// `null` removes the minimum, absent leaves it.
    var complianceMinimumDays: Int??

    enum CodingKeys: String, CodingKey { case plan, timeZone, complianceMinimumDays }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        plan = try container.decodeIfPresent(String.self, forKey: .plan)
        timeZone = try container.decodeIfPresent(String.self, forKey: .timeZone)
        if container.contains(.complianceMinimumDays) {
            complianceMinimumDays = .some(try container.decodeIfPresent(Int.self, forKey: .complianceMinimumDays))
        }
    }
}

extension ChangeTenantRequest: NullableMembers {
    static let nullableMembers: Set<String> = ["complianceMinimumDays"]
}

struct TenantBody: Encodable {
    let id: UUID
    let slug: String
    let name: String
    let plan: String
    let timeZone: String
    let complianceMinimumDays: Int?
    let createdAt: Date
    var adminUserId: UUID?

    init(_ record: TenantRecord, adminUserID: UUID? = nil) {
        id = record.id
        slug = record.slug
        name = record.name
        plan = record.planCode
        timeZone = record.timeZone
        complianceMinimumDays = record.complianceMinimumDays
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
    /// Bounds on tenants' clean-up rules; absent or `null`: none.
    let minimumRetentionDays: Int?
    let maximumRetentionDays: Int?

    init(_ plan: Plan) {
        code = plan.code
        name = plan.name
        historyVisibleDays = plan.historyVisibleDays
        exportEnabled = plan.exportEnabled
        exportRowCap = plan.exportRowCap
        customRetentionAllowed = plan.customRetentionAllowed
        minimumRetentionDays = plan.minimumRetentionDays
        maximumRetentionDays = plan.maximumRetentionDays
    }

    func plan(code: String) -> Plan {
        Plan(code: code, name: "", historyVisibleDays: historyVisibleDays, exportEnabled: exportEnabled,
             exportRowCap: exportRowCap, customRetentionAllowed: customRetentionAllowed,
             minimumRetentionDays: minimumRetentionDays, maximumRetentionDays: maximumRetentionDays)
    }
}

struct ListBody<Item: Encodable>: Encodable {
    let items: [Item]
    var nextCursor: String?
}

extension PlanBody: NullableMembers {
    /// `null` is "permanent" history; `code` and `name` are read-only, ignored on input.
    static let nullableMembers: Set<String> = ["historyVisibleDays", "code", "name", "minimumRetentionDays",
                                               "maximumRetentionDays"]
}
