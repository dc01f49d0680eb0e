import Domain
import Foundation
import PostgresNIO

/// Sign-in, refresh tokens and API-key checks.
public struct AuthRepository: Sendable {
    let tx: Transaction
    public init(_ tx: Transaction) { self.tx = tx }

    /// Consecutive failures that lock an account, and for how long.
    public static let lockoutThreshold = 5
    public static let lockoutDuration: TimeInterval = 15 * 60

    /// An account as sign-in reads it, before the password is checked.
    public struct SignInAccount: Sendable {
        public let tenantID: UUID
        public let userID: UUID
        public let passwordHash: String
        /// Disabled, or locked by too many failures: the password is still checked (so the
        /// answer takes as long as any other), but sign-in fails.
        public let refused: Bool
    }

    /// The account a sign-in names, in a `.signIn(tenantSlug:)` scope; `nil` for an
    /// unknown tenant or e-mail. Nothing is locked and no password is checked here: bcrypt
    /// costs ~250 ms, and inside a transaction it held a pooled connection for all of it
    /// (36 concurrent sign-ins starved every other request). The caller verifies the
    /// password outside any transaction, then calls `recordFailure` or `completeSignIn`.
    public func account(email: String) async throws -> SignInAccount? {
        let now = tx.clock.now()
        guard let tenantID = try await tx.query("SELECT id FROM tenants").decode(UUID.self).all().first else { return nil }
        try await tx.enterTenant(tenantID)
        let rows = try await tx.query("""
            SELECT id, password_hash, disabled, locked_until FROM users
            WHERE tenant_id = \(tenantID) AND email = \(email)
            """).decode((UUID, String, Bool, Date?).self).all()
        guard let (userID, hash, disabled, lockedUntil) = rows.first else { return nil }
        return SignInAccount(tenantID: tenantID, userID: userID, passwordHash: hash,
                             refused: disabled || (lockedUntil.map { $0 > now } ?? false))
    }

    /// Counts a wrong password (in a `.tenant` scope); the threshold's failure locks the
    /// account. Failures while it is locked do not extend the lock.
    public func recordFailure(userID: UUID, tenantID: UUID) async throws {
        let now = tx.clock.now()
        let lockUntil = now.addingTimeInterval(Self.lockoutDuration)
        try await tx.execute("""
            UPDATE users SET
            -- An expired lock starts the count again, so one more failure does not re-lock at once.
            failed_logins = CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failed_logins + 1 END,
            locked_until = CASE WHEN locked_until IS NULL AND failed_logins + 1 >= \(Self.lockoutThreshold)
                                THEN \(lockUntil) END
            WHERE tenant_id = \(tenantID) AND id = \(userID) AND (locked_until IS NULL OR locked_until <= \(now))
            """)
    }

    /// After a correct password (in a `.tenant` scope): clears the failure count and issues
    /// a refresh token, unless the account was disabled or locked meanwhile (`nil`).
    public func completeSignIn(userID: UUID, tenantID: UUID, refreshTTL: TimeInterval) async throws -> (UserPrincipal, IssuedSecret)? {
        let now = tx.clock.now()
        let roles = try await tx.query("""
            UPDATE users SET failed_logins = 0, locked_until = NULL
            WHERE tenant_id = \(tenantID) AND id = \(userID) AND NOT disabled
              AND (locked_until IS NULL OR locked_until <= \(now))
            RETURNING role
            """).decode(String.self).all()
        guard let roleName = roles.first, let role = UserRole(rawValue: roleName) else { return nil }
        let refresh = try await issueRefreshToken(tenantID: tenantID, userID: userID, family: tx.ids.make(), ttl: refreshTTL)
        return (UserPrincipal(tenantID: tenantID, userID: userID, role: role), refresh)
    }

    /// Exchanges a refresh token (in a `.tenant` scope for the token's tenant) for a new
    /// one, revoking the old. `nil` if not valid. A token that was already rotated is
    /// evidence that it leaked: its whole family (the sign-in) is revoked, so neither
    /// the thief nor the user keeps a session from it.
    public func rotateRefreshToken(_ presented: IssuedSecret, ttl: TimeInterval) async throws -> (UserPrincipal, IssuedSecret)? {
        let now = tx.clock.now()
        let rows = try await tx.query("""
            SELECT r.user_id, r.family_id, r.secret_hash, r.expires_at, r.revoked_at, u.role, u.disabled
            FROM refresh_tokens r JOIN users u ON u.tenant_id = \(presented.tenantID) AND u.id = r.user_id
            WHERE r.tenant_id = \(presented.tenantID) AND r.id = \(presented.id)
            FOR UPDATE OF r
            """)
        var found: (UUID, UUID, Data, Date, Date?, String, Bool)?
        for try await row in rows.decode((UUID, UUID, Data, Date, Date?, String, Bool).self) { found = row }
        guard let (userID, family, hash, expiresAt, revokedAt, roleName, disabled) = found,
              presented.matches(storedHash: hash) else { return nil }
        guard revokedAt == nil else {
            try await tx.execute("""
                UPDATE refresh_tokens SET revoked_at = \(now)
                WHERE tenant_id = \(presented.tenantID) AND family_id = \(family) AND revoked_at IS NULL
                """)
            return nil
        }
        guard expiresAt > now, !disabled, let role = UserRole(rawValue: roleName) else { return nil }
        try await tx.execute("""
            UPDATE refresh_tokens SET revoked_at = \(now) WHERE tenant_id = \(presented.tenantID) AND id = \(presented.id)
            """)
        let next = try await issueRefreshToken(tenantID: presented.tenantID, userID: userID, family: family, ttl: ttl)
        return (UserPrincipal(tenantID: presented.tenantID, userID: userID, role: role), next)
    }

    /// Revokes a refresh token (sign-out). Unknown tokens are ignored: sign-out always succeeds.
    public func revokeRefreshToken(_ presented: IssuedSecret) async throws {
        let rows = try await tx.query("""
            SELECT secret_hash FROM refresh_tokens WHERE tenant_id = \(presented.tenantID) AND id = \(presented.id)
            """)
        for try await hash in rows.decode(Data.self) where presented.matches(storedHash: hash) {
            try await tx.execute("""
                UPDATE refresh_tokens SET revoked_at = \(tx.clock.now())
                WHERE tenant_id = \(presented.tenantID) AND id = \(presented.id) AND revoked_at IS NULL
                """)
        }
    }

    private func issueRefreshToken(tenantID: UUID, userID: UUID, family: UUID, ttl: TimeInterval) async throws -> IssuedSecret {
        let now = tx.clock.now()
        let token = IssuedSecret.make(prefix: "prt", tenantID: tenantID, id: tx.ids.make())
        try await tx.execute("""
            INSERT INTO refresh_tokens (tenant_id, id, family_id, user_id, secret_hash, expires_at, created_at)
            VALUES (\(tenantID), \(token.id), \(family), \(userID), \(token.secretHash), \(now.addingTimeInterval(ttl)), \(now))
            """)
        return token
    }

    /// Checks an ingestion API key (in a `.tenant` scope for the key's tenant).
    public func authenticateAPIKey(_ presented: IssuedSecret) async throws -> IntegrationPrincipal? {
        let rows = try await tx.query("""
            SELECT channel, secret_hash, revoked_at FROM api_keys
            WHERE tenant_id = \(presented.tenantID) AND id = \(presented.id)
            """)
        for try await (channel, hash, revokedAt) in rows.decode((String, Data, Date?).self) {
            guard presented.matches(storedHash: hash), revokedAt == nil, let channel = Domain.Channel(rawValue: channel) else { return nil }
            return IntegrationPrincipal(tenantID: presented.tenantID, apiKeyID: presented.id, channel: channel)
        }
        return nil
    }
}
