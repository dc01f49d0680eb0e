import Foundation
import PostgresNIO

/// A user's two-step sign-in (TOTP) as stored (sql/0022), and the tenant's rule requiring it.
/// Codes are computed and compared by the API (`TwoStepCodes`); this keeps the secret, the
/// last step a code was accepted for (so each code works once), and the recovery codes' hashes.
public struct TwoStepRepository: Sendable {
    let tx: Transaction
    let tenantID: UUID

    public init(_ tx: Transaction, tenantID: UUID) {
        self.tx = tx
        self.tenantID = tenantID
    }

    public struct Enrolment: Sendable, Equatable {
        public let secret: String
        public let confirmed: Bool
        public let lastUsedStep: Int64
        public let recoveryCodesLeft: Int
    }

    public func enrolment(of userID: UUID) async throws -> Enrolment? {
        let rows = try await tx.query("""
            SELECT secret_sealed, secret, confirmed_at IS NOT NULL, last_used_step, cardinality(recovery_code_hashes)
            FROM two_step_secrets WHERE tenant_id = \(tenantID) AND user_id = \(userID)
            """).decode((ByteBuffer?, String?, Bool, Int64, Int).self).all()
        guard let row = rows.first else { return nil }
        // Sealed like contact details (sql/0026); plaintext only in rows from before, until `parley keys rotate`.
        guard let secret = try tx.contacts.open(row.0, orLegacy: row.1, purpose: .twoStepSecret, tenantID: tenantID) else {
            throw StoreError.corrupt("a two-step enrolment has no secret")
        }
        return Enrolment(secret: secret, confirmed: row.2, lastUsedStep: row.3, recoveryCodesLeft: row.4)
    }

    /// Starts (or restarts) an enrolment with `secret`; `false` when the user has a confirmed
    /// one already (disable it first).
    public func begin(_ userID: UUID, secret: String) async throws -> Bool {
        let sealed = try tx.contacts.seal(secret, purpose: .twoStepSecret, tenantID: tenantID)
        let rows = try await tx.query("""
            INSERT INTO two_step_secrets (tenant_id, user_id, secret_sealed, created_at)
            VALUES (\(tenantID), \(userID), \(sealed), \(tx.clock.now()))
            ON CONFLICT (tenant_id, user_id) DO UPDATE
                SET secret_sealed = EXCLUDED.secret_sealed, secret = NULL, created_at = EXCLUDED.created_at, last_used_step = 0
                WHERE two_step_secrets.confirmed_at IS NULL
            RETURNING user_id
            """).decode(UUID.self).all()
        return !rows.isEmpty
    }

    /// Marks `step` used, only if it is later than the last one used: `false` for a replayed
    /// (or older) code, also when two requests race with the same code.
    public func use(step: Int64, of userID: UUID) async throws -> Bool {
        try await !tx.query("""
            UPDATE two_step_secrets SET last_used_step = \(step)
            WHERE tenant_id = \(tenantID) AND user_id = \(userID) AND last_used_step < \(step)
            RETURNING user_id
            """).decode(UUID.self).all().isEmpty
    }

    /// Confirms a pending enrolment and stores the recovery codes' hashes (replacing any).
    public func confirm(_ userID: UUID, recoveryCodeHashes: [String]) async throws {
        try await tx.execute("""
            UPDATE two_step_secrets SET confirmed_at = \(tx.clock.now()), recovery_code_hashes = \(recoveryCodeHashes)
            WHERE tenant_id = \(tenantID) AND user_id = \(userID)
            """)
    }

    /// Replaces the unused recovery codes of a confirmed enrolment.
    public func replaceRecoveryCodes(of userID: UUID, hashes: [String]) async throws {
        try await tx.execute("""
            UPDATE two_step_secrets SET recovery_code_hashes = \(hashes)
            WHERE tenant_id = \(tenantID) AND user_id = \(userID) AND confirmed_at IS NOT NULL
            """)
    }

    /// Uses up one recovery code: `false` when no unused code has this hash.
    public func useRecoveryCode(hash: String, of userID: UUID) async throws -> Bool {
        try await !tx.query("""
            UPDATE two_step_secrets SET recovery_code_hashes = array_remove(recovery_code_hashes, \(hash))
            WHERE tenant_id = \(tenantID) AND user_id = \(userID) AND confirmed_at IS NOT NULL
              AND \(hash) = ANY (recovery_code_hashes)
            RETURNING user_id
            """).decode(UUID.self).all().isEmpty
    }

    /// Turns two-step sign-in off for the user (their own choice, or an admin's reset).
    @discardableResult
    public func remove(_ userID: UUID) async throws -> Bool {
        try await !tx.query("""
            DELETE FROM two_step_secrets WHERE tenant_id = \(tenantID) AND user_id = \(userID) RETURNING user_id
            """).decode(UUID.self).all().isEmpty
    }

    // MARK: The tenant's rule

    public func twoStepRequired() async throws -> Bool {
        try await tx.query("""
            SELECT two_step_required FROM tenant_sign_in_rules WHERE tenant_id = \(tenantID)
            """).decode(Bool.self).all().first ?? false
    }

    public func setTwoStepRequired(_ required: Bool, by admin: UUID) async throws {
        try await tx.execute("""
            INSERT INTO tenant_sign_in_rules (tenant_id, two_step_required, updated_by, updated_at)
            VALUES (\(tenantID), \(required), \(admin), \(tx.clock.now()))
            ON CONFLICT (tenant_id) DO UPDATE
                SET two_step_required = EXCLUDED.two_step_required, updated_by = EXCLUDED.updated_by,
                    updated_at = EXCLUDED.updated_at
            """)
    }
}
