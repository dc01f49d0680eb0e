import Foundation

struct LoginRequest: Decodable {
    let tenant: String
    let email: String
    let password: String
}

struct RefreshRequest: Decodable {
    let refreshToken: String
}

struct TokenResponse: Encodable {
    let accessToken: String
    let tokenType = "Bearer"
    let expiresIn: Int
    let refreshToken: String
}

struct MeResponse: Encodable {
    let userId: UUID
    let tenantId: UUID
    let role: String
    let departmentIds: [UUID]
    let permissions: [String]
}
