import Foundation

/// A signed-in user of a tenant, as their access token describes them.
public struct UserPrincipal: Sendable, Equatable {
    public let tenantID: UUID
    public let userID: UUID
    public let role: UserRole

    public init(tenantID: UUID, userID: UUID, role: UserRole) {
        self.tenantID = tenantID
        self.userID = userID
        self.role = role
    }

    /// Only admins manage departments, users, roles and API keys.
    public var mayAdminister: Bool { RoleAbilities.mayAdminister(role) }
}

/// A channel integration pushing messages with an API key.
public struct IntegrationPrincipal: Sendable, Equatable {
    public let tenantID: UUID
    public let apiKeyID: UUID
    public let channel: Channel

    public init(tenantID: UUID, apiKeyID: UUID, channel: Channel) {
        self.tenantID = tenantID
        self.apiKeyID = apiKeyID
        self.channel = channel
    }
}
