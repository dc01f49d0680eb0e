import Crypto
import Foundation

/// AWS Signature Version 4 with HMAC-SHA256 (swift-crypto), for one region and service.
struct SigV4Signer: Sendable {
    static let algorithm = "AWS4-HMAC-SHA256"

    let accessKeyID: String
    let secretAccessKey: String
    let region: String
    let service: String

    /// `<day>/<region>/<service>/aws4_request`.
    func scope(_ date: AMZDate) -> String {
        "\(date.day)/\(region)/\(service)/aws4_request"
    }

    func stringToSign(_ request: CanonicalRequest, date: AMZDate) -> String {
        [Self.algorithm, date.timestamp, scope(date), hexSHA256(Data(request.text.utf8))].joined(separator: "\n")
    }

    /// Lower-case hex signature of the request at `date`.
    func signature(_ request: CanonicalRequest, date: AMZDate) -> String {
        let key = signingKey(day: date.day)
        let mac = HMAC<SHA256>.authenticationCode(for: Data(stringToSign(request, date: date).utf8), using: key)
        return mac.hexString
    }

    /// HMAC chain AWS4<secret> → day → region → service → "aws4_request".
    private func signingKey(day: String) -> SymmetricKey {
        var key = SymmetricKey(data: Data("AWS4\(secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }
}
