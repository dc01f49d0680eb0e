import Domain
import Foundation
import Store

struct CreateDepartmentRequest: Decodable {
    let name: String
    let parentId: UUID?
}

struct DepartmentBody: Encodable {
    let id: UUID
    let parentId: UUID?
    let name: String
    let createdAt: Date
    init(_ record: DepartmentRecord) {
        id = record.id
        parentId = record.parentID
        name = record.name
        createdAt = record.createdAt
    }
}

struct CreateUserRequest: Decodable {
    let email: String
    let displayName: String
    let role: String
    let password: String
    let departmentIds: [UUID]?
    let customRoleId: UUID?
}

/// Every field optional: only what is present changes. `customRoleId: null` removes the custom role.
struct UpdateUserRequest: Decodable {
    var displayName: String?
    var role: String?
    var password: String?
    var departmentIds: [UUID]?
    var disabled: Bool?
    var customRoleId: UUID??

    enum CodingKeys: String, CodingKey { case displayName, role, password, departmentIds, disabled, customRoleId }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        displayName = try container.decodeIfPresent(String.self, forKey: .displayName)
        role = try container.decodeIfPresent(String.self, forKey: .role)
        password = try container.decodeIfPresent(String.self, forKey: .password)
        departmentIds = try container.decodeIfPresent([UUID].self, forKey: .departmentIds)
        disabled = try container.decodeIfPresent(Bool.self, forKey: .disabled)
        if container.contains(.customRoleId) {
            customRoleId = .some(try container.decodeIfPresent(UUID.self, forKey: .customRoleId))
        }
    }
}

struct UserBody: Encodable {
    let id: UUID
    let email: String
    let displayName: String
    let role: String
    let customRoleId: UUID?
    let departmentIds: [UUID]
    let disabled: Bool
    let createdAt: Date
    init(_ record: UserRecord) {
        id = record.id
        email = record.email
        displayName = record.displayName
        role = record.role.rawValue
        customRoleId = record.customRoleID
        departmentIds = record.departmentIDs
        disabled = record.disabled
        createdAt = record.createdAt
    }
}

struct CreateRoleRequest: Decodable {
    let name: String
    let permissions: [String]?
    let departmentIds: [UUID]
}

struct RoleBody: Encodable {
    let id: UUID
    let name: String
    let permissions: [String]
    let departmentIds: [UUID]
    let createdAt: Date
    init(_ record: CustomRoleRecord) {
        id = record.id
        name = record.name
        permissions = record.permissions.map(\.rawValue)
        departmentIds = record.departmentIDs
        createdAt = record.createdAt
    }
}

struct CreateAPIKeyRequest: Decodable {
    let name: String
    let channel: String
}

struct APIKeyBody: Encodable {
    let id: UUID
    let name: String
    let channel: String
    let revoked: Bool
    let createdAt: Date
    /// Present only in the response that creates the key: it is not stored and cannot be shown again.
    var key: String?
    init(_ record: APIKeyRecord, key: String? = nil) {
        id = record.id
        name = record.name
        channel = record.channel.rawValue
        revoked = record.revoked
        createdAt = record.createdAt
        self.key = key
    }
}

struct AuditEventBody: Encodable {
    let id: UUID
    let actorId: UUID?
    let action: String
    let targetType: String
    let targetId: UUID?
    let details: [String: String]
    let occurredAt: Date
    let clientAddress: String?
    let userAgent: String?
    let chainPosition: Int64?
    init(_ record: AuditEventRecord) {
        id = record.id
        actorId = record.actorID
        action = record.action
        targetType = record.targetType
        targetId = record.targetID
        details = record.details
        occurredAt = record.occurredAt
        clientAddress = record.clientAddress
        userAgent = record.userAgent
        chainPosition = record.chainPosition
    }
}

extension UpdateUserRequest: NullableMembers {
    /// `null` removes the custom role.
    static let nullableMembers: Set<String> = ["customRoleId"]
}
