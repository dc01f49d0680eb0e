import Crypto
import Foundation

/// The SigV4 canonical request: what both sides hash before signing.
///
/// Requests sent through libcurl are signed by libcurl itself; this type is what we
/// sign presigned URLs with, and it is tested against AWS's published examples.
struct CanonicalRequest: Sendable {
    let method: String
    /// The path as it is sent, already encoded with `AWSPercentEncoding` (slashes kept).
    let encodedPath: String
    let query: [(name: String, value: String)]
    let headers: [(name: String, value: String)]
    /// Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
    let payloadHash: String

    static let unsignedPayload = "UNSIGNED-PAYLOAD"
    static let emptyPayloadHash = hexSHA256(Data())

    /// Lower-case header names, sorted, joined with `;`.
    var signedHeaders: String {
        canonicalHeaders.map(\.name).joined(separator: ";")
    }

    var text: String {
        let headerLines = canonicalHeaders.map { "\($0.name):\($0.value)\n" }.joined()
        return [method, encodedPath, AWSPercentEncoding.canonicalQuery(query), headerLines, signedHeaders, payloadHash]
            .joined(separator: "\n")
    }

    /// Names lower-cased, values trimmed with inner runs of spaces folded to one, as
    /// SigV4 requires.
    private var canonicalHeaders: [(name: String, value: String)] {
        headers.map { header in
            let folded = header.value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            return (header.name.lowercased(), folded.trimmingCharacters(in: .whitespaces))
        }
        .sorted { $0.name < $1.name }
    }
}

func hexSHA256(_ data: some DataProtocol) -> String {
    SHA256.hash(data: data).hexString
}

extension Sequence where Element == UInt8 {
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
