import Foundation

struct LoginRequest: Decodable {
    let tenant: String
    let email: String
    let password: String
    /// The authenticator app's code, or a recovery code, when two-step sign-in is on.
    let code: String?
}

struct RefreshRequest: Decodable {
    let refreshToken: String
}

struct TokenResponse: Encodable {
    let accessToken: String
    let tokenType = "Bearer"
    let expiresIn: Int
    let refreshToken: String
    /// Only when this sign-in completed a two-step enrolment: shown once.
    var recoveryCodes: [String]? = nil
}

/// A two-step enrolment to finish: the secret for an authenticator app, typed or scanned.
struct TwoStepEnrolmentBody: Encodable, Sendable {
    let secret: String
    let otpauthUri: String
    let period = Int(TwoStepCodes.period)
    let digits = TwoStepCodes.digits

    init(secret: String, account: String) {
        self.secret = TwoStepCodes.base32(secret)
        self.otpauthUri = TwoStepCodes.authenticatorURI(secret: secret, account: account)
    }
}

struct TwoStepCodeRequest: Decodable {
    let code: String
}

struct RecoveryCodesBody: Encodable {
    let recoveryCodes: [String]
}

struct SignInRulesBody: Codable {
    let twoStepRequired: Bool
}

struct MeResponse: Encodable {
    let userId: UUID
    let tenantId: UUID
    let role: String
    let departmentIds: [UUID]
    let permissions: [String]
    let twoStepEnabled: Bool
}
