import Foundation

/// What the HTTP layer needs to know; built from the environment in one place
/// (`parley`'s `Configuration`) and validated there.
public struct APIConfiguration: Sendable {
    /// HMAC key for access tokens (at least 32 bytes).
    public var jwtSecret: [UInt8]
    /// Bearer token of the platform operator.
    public var operatorToken: String
    public var accessTokenTTL: TimeInterval
    public var refreshTokenTTL: TimeInterval
    /// bcrypt work factor for new password hashes.
    public var bcryptCost: UInt8
    /// Largest request body accepted, in bytes. The ingestion batch limit (1,000
    /// messages) fits well inside the default.
    public var maxBodyBytes: Int
    /// Failed sign-ins one client address may make per 15-minute window before it gets 429.
    public var signInFailuresPerAddress = 20
    /// Lookups of customers by full phone number or e-mail per user and hour, for users
    /// who see contact details masked: enough for a day's calls, far too few to recover
    /// the four hidden digits of 138****5678 by trying all 10,000.
    public var contactLookupsPerHour = 60
    /// Take the client's address from the last `X-Forwarded-For` entry (set this only
    /// behind a proxy that appends it); otherwise the socket's peer address is used.
    public var trustForwardedFor = false

    public init(jwtSecret: [UInt8], operatorToken: String, accessTokenTTL: TimeInterval = 15 * 60,
                refreshTokenTTL: TimeInterval = 30 * 86_400, bcryptCost: UInt8 = 12, maxBodyBytes: Int = 4 * 1024 * 1024) {
        self.jwtSecret = jwtSecret
        self.operatorToken = operatorToken
        self.accessTokenTTL = accessTokenTTL
        self.refreshTokenTTL = refreshTokenTTL
        self.bcryptCost = bcryptCost
        self.maxBodyBytes = maxBodyBytes
    }
}
