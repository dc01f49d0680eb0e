import Crypto
import Foundation

/// A bearer secret that names where it is stored: `<prefix>_<tenant>_<id>_<secret>`.
/// Naming the tenant lets the service look the secret up under that tenant's
/// row-level security scope; only SHA-256 of the secret part is kept at rest.
public struct IssuedSecret: Sendable, Equatable {
    public let prefix: String
    public let tenantID: UUID
    public let id: UUID
    public let secret: String

    /// A new secret with 256 random bits.
    public static func make(prefix: String, tenantID: UUID, id: UUID) -> IssuedSecret {
        let key = SymmetricKey(size: .bits256)
        let secret = key.withUnsafeBytes { Data($0) }.base64URLEncoded
        return IssuedSecret(prefix: prefix, tenantID: tenantID, id: id, secret: secret)
    }

    public init(prefix: String, tenantID: UUID, id: UUID, secret: String) {
        self.prefix = prefix
        self.tenantID = tenantID
        self.id = id
        self.secret = secret
    }

    /// Parses a presented secret; `nil` for anything malformed.
    public init?(parsing text: String, prefix: String) {
        guard text.count < 200 else { return nil }
        let parts = text.split(separator: "_", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == prefix,
              let tenantID = UUID(uuidString: String(parts[1])), let id = UUID(uuidString: String(parts[2])),
              !parts[3].isEmpty else { return nil }
        self.init(prefix: prefix, tenantID: tenantID, id: id, secret: String(parts[3]))
    }

    public var encoded: String {
        "\(prefix)_\(tenantID.uuidString.lowercased())_\(id.uuidString.lowercased())_\(secret)"
    }

    var secretHash: Data { Data(SHA256.hash(data: Data(secret.utf8))) }

    /// Constant-time comparison against a stored hash.
    func matches(storedHash: Data) -> Bool {
        let presented = secretHash
        guard presented.count == storedHash.count else { return false }
        return zip(presented, storedHash).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

extension Data {
    var base64URLEncoded: String {
        base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
