import Foundation
import Store

/// `PATCH /v1/admin/departments/{id}`: what is given changes; `parentId: null` makes it top-level.
struct UpdateDepartmentRequest: Decodable, NullableMembers {
    var name: String?
    var parentId: UUID??
    static let nullableMembers: Set<String> = ["parentId"]

    enum CodingKeys: String, CodingKey { case name, parentId }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        if container.contains(.parentId) { parentId = .some(try container.decodeIfPresent(UUID.self, forKey: .parentId)) }
    }
}

/// `PATCH /v1/admin/roles/{id}`: what is given replaces what the role has.
struct UpdateRoleRequest: Decodable {
    var name: String?
    var permissions: [String]?
    var departmentIds: [UUID]?
}

/// `PATCH /v1/admin/tags/{id}`: `color: null` removes the colour.
struct UpdateTagRequest: Decodable, NullableMembers {
    var name: String?
    var color: String??
    static let nullableMembers: Set<String> = ["color"]

    enum CodingKeys: String, CodingKey { case name, color }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        if container.contains(.color) { color = .some(try container.decodeIfPresent(String.self, forKey: .color)) }
    }
}

struct TransferBody: Encodable {
    let id: UUID
    let fromAgentId: UUID?
    let toAgentId: UUID?
    let toDepartmentId: UUID?
    let transferredBy: UUID?
    let transferredAt: Date
    init(_ record: ConversationRepository.TransferRecord) {
        id = record.id
        fromAgentId = record.fromAgentID
        toAgentId = record.toAgentID
        toDepartmentId = record.toDepartmentID
        transferredBy = record.transferredBy
        transferredAt = record.transferredAt
    }
}
