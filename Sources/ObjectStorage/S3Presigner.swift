import Foundation

/// Presigned GET URLs (SigV4 query signing), computed in Swift because libcurl only
/// signs requests it sends itself.
struct S3Presigner: Sendable {
    /// S3 refuses presigned URLs valid for longer than seven days.
    static let maximumExpiry: TimeInterval = 7 * 24 * 3600

    let signer: SigV4Signer
    let addressing: S3Addressing

    /// - Parameter extraQuery: e.g. `response-content-disposition`; signed with the rest.
    func presignedGET(key: ObjectKey, extraQuery: [(name: String, value: String)], expiresIn: TimeInterval, now: Date) throws(ObjectStoreError) -> URL {
        let seconds = Int(expiresIn.rounded(.down))
        guard seconds >= 1, TimeInterval(seconds) <= Self.maximumExpiry else {
            throw .invalidRequest("a signed URL must be valid for 1 second to 7 days, not \(expiresIn) s")
        }
        let date = AMZDate(now)
        var query = extraQuery
        query.append(("X-Amz-Algorithm", SigV4Signer.algorithm))
        query.append(("X-Amz-Credential", "\(signer.accessKeyID)/\(signer.scope(date))"))
        query.append(("X-Amz-Date", date.timestamp))
        query.append(("X-Amz-Expires", String(seconds)))
        query.append(("X-Amz-SignedHeaders", "host"))
        let request = CanonicalRequest(
            method: "GET", encodedPath: addressing.path(for: key), query: query,
            headers: [("host", addressing.hostHeader)], payloadHash: CanonicalRequest.unsignedPayload
        )
        // The signature goes last, outside the sorted part, as AWS and its SDKs write it.
        let signature = signer.signature(request, date: date)
        let text = "\(addressing.scheme)://\(addressing.hostHeader)\(request.encodedPath)?\(AWSPercentEncoding.canonicalQuery(query))&X-Amz-Signature=\(signature)"
        guard let url = URL(string: text) else {
            throw .invalidRequest("the signed URL \(text) is not a valid URL")
        }
        return url
    }
}
