import Crypto
import Foundation
import HummingbirdOTP
import Store

/// TOTP codes (RFC 6238, the authenticator apps' defaults: SHA-1, 6 digits, 30 s) computed by
/// HummingbirdOTP, and the recovery codes that stand in for a lost phone.
enum TwoStepCodes {
    static let period: TimeInterval = 30
    static let digits = 6
    /// Steps either side of now a code may come from: a phone's clock a little off, a code
    /// typed as it changed.
    static let driftSteps: Int64 = 1
    static let issuer = "Parley"

    /// A new shared secret: 32 characters from a 62-letter alphabet (190 bits), which
    /// HummingbirdOTP uses as the HMAC key's bytes.
    static func newSecret() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    static func step(at date: Date) -> Int64 { Int64((date.timeIntervalSince1970 / period).rounded(.down)) }

    /// The code for one time step, zero-padded (HOTP with the step as its counter is TOTP).
    static func code(secret: String, step: Int64, digits: Int = digits, hash: OTPHashFunction = .sha1) -> String {
        let value = HOTP(secret: secret, length: digits, hashFunction: hash).compute(counter: UInt64(step))
        let text = String(value)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    /// The step `code` belongs to, near `date` and later than `lastUsed`; `nil` when it is not
    /// a code of this secret now, or was used already.
    static func matchingStep(_ code: String, secret: String, at date: Date, after lastUsed: Int64) -> Int64? {
        guard code.count == digits, code.allSatisfy({ ("0"..."9").contains($0) }) else { return nil }
        let now = step(at: date)
        return (now - driftSteps...now + driftSteps).first { step in
            step > lastUsed && constantTimeEqual(Self.code(secret: secret, step: step), code)
        }
    }

    /// How a code was accepted.
    enum Method: String {
        case totp
        case recoveryCode = "recovery_code"
    }

    /// Accepts `code` for `enrolment` and uses it up: a TOTP code of now (its step marked used,
    /// so it works once), or — with `recoveryCodes` — an unused recovery code. `nil`: refused.
    /// The one check behind sign-in, confirming, renewing and turning two-step sign-in off.
    static func accept(_ code: String, for enrolment: TwoStepRepository.Enrolment, of userID: UUID,
                       in twoStep: TwoStepRepository, at date: Date, recoveryCodes: Bool) async throws -> Method? {
        if let step = matchingStep(code, secret: enrolment.secret, at: date, after: enrolment.lastUsedStep),
           try await twoStep.use(step: step, of: userID) {
            return .totp
        }
        if recoveryCodes, looksLikeRecoveryCode(code),
           try await twoStep.useRecoveryCode(hash: recoveryCodeHash(code), of: userID) {
            return .recoveryCode
        }
        return nil
    }

    /// What the user types into an app that cannot scan: the secret's bytes in base32.
    static func base32(_ secret: String) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var output = "", buffer = 0, bits = 0
        for byte in secret.utf8 {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return output
    }

    /// The `otpauth://totp/…` URI an authenticator app scans (as a QR code).
    static func authenticatorURI(secret: String, account: String) -> String {
        TOTP(secret: secret, length: digits, timeStep: Int(period)).createAuthenticatorURL(label: "\(issuer):\(account)", issuer: issuer)
    }

    // MARK: Recovery codes

    static let recoveryCodeCount = 10

    /// Ten codes like `k7qm2-x9tfa` (50 bits each), shown once; only their hashes are kept.
    static func newRecoveryCodes() -> [String] {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")  // no l, o, 0, 1: read aloud, typed by hand
        var generator = SystemRandomNumberGenerator()
        return (0..<recoveryCodeCount).map { _ in
            let letters = (0..<10).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
            return String(letters[0..<5]) + "-" + String(letters[5...])
        }
    }

    /// Whether `text` is shaped like a recovery code (with or without the hyphen, any case).
    static func looksLikeRecoveryCode(_ text: String) -> Bool { normalizedRecoveryCode(text).count == 10 }

    static func recoveryCodeHash(_ text: String) -> String {
        SHA256.hash(data: Data(normalizedRecoveryCode(text).utf8)).map { String(format: "%02x", $0) }.joined()
    }

    private static func normalizedRecoveryCode(_ text: String) -> String {
        String(text.lowercased().filter { $0 != "-" && $0 != " " })
    }

    private static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
