import Crypto
import Domain
import Foundation

/// Short-lived access tokens: JWTs signed with HMAC-SHA256 (HS256).
///
/// Written here on swift-crypto's HMAC rather than with jwt-kit: we issue and verify
/// only our own HS256 tokens, and jwt-kit would add swift-certificates and the RSA/EC
/// stack to every cold build. Verification accepts exactly `alg: HS256` (never `none`),
/// checks the MAC in constant time, then the expiry.
struct AccessTokens: Sendable {
    private let key: SymmetricKey
    let ttl: TimeInterval

    init(secret: [UInt8], ttl: TimeInterval) {
        self.key = SymmetricKey(data: secret)
        self.ttl = ttl
    }

    private struct Header: Codable { var alg: String; var typ: String }
    private struct Claims: Codable {
        var sub: String
        var tid: String
        var role: String
        var iat: Int
        var exp: Int
    }

    private static let header = encode(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))

    func issue(for principal: UserPrincipal, now: Date) -> String {
        let claims = Claims(sub: principal.userID.uuidString.lowercased(), tid: principal.tenantID.uuidString.lowercased(),
                            role: principal.role.rawValue, iat: Int(now.timeIntervalSince1970),
                            exp: Int(now.addingTimeInterval(ttl).timeIntervalSince1970))
        let payload = Self.encode(try! JSONEncoder().encode(claims))
        let signingInput = "\(Self.header).\(payload)"
        let mac = HMAC<SHA256>.authenticationCode(for: Data(signingInput.utf8), using: key)
        return "\(signingInput).\(Self.encode(Data(mac)))"
    }

    /// The principal a token names, or `nil` if it is malformed, forged or expired.
    func verify(_ token: String, now: Date) -> UserPrincipal? {
        guard token.utf8.count < 2048 else { return nil }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
              let headerData = Self.decode(parts[0]), let header = try? JSONDecoder().decode(Header.self, from: headerData),
              header.alg == "HS256",
              let signature = Self.decode(parts[2]),
              HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Data("\(parts[0]).\(parts[1])".utf8), using: key),
              let payload = Self.decode(parts[1]), let claims = try? JSONDecoder().decode(Claims.self, from: payload),
              Double(claims.exp) > now.timeIntervalSince1970,
              let userID = UUID(uuidString: claims.sub), let tenantID = UUID(uuidString: claims.tid),
              let role = UserRole(rawValue: claims.role)
        else { return nil }
        return UserPrincipal(tenantID: tenantID, userID: userID, role: role)
    }

    private static func encode(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func decode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
