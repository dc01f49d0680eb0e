/// Why an image was not fetched. The PDF renderer shows a placeholder for any of them.
public enum ImageFetchError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String)
    /// Only http and https are fetched (not file://, ftp://, gopher://, ...).
    case unsupportedScheme(String)
    /// The host resolved to an address that is not public (and is not in `allowedHosts`).
    case blockedAddress(host: String, address: String, range: BlockedAddressRange)
    /// Redirects are not followed: the target would need the same checks, and an
    /// attachment URL has no business redirecting.
    case redirectNotFollowed(status: Int, location: String?)
    case httpStatus(Int)
    /// The answer's Content-Type does not start with `image/`.
    case notAnImage(contentType: String?)
    case emptyBody
    /// The body is, or announced it would be, larger than the limit.
    case tooLarge(limit: Int)
    case timedOut
    case transport(code: Int, message: String)

    public var description: String {
        switch self {
        case let .invalidURL(url): return "not a valid URL: \(url)"
        case let .unsupportedScheme(scheme): return "scheme \(scheme) is not fetched (http and https only)"
        case let .blockedAddress(host, address, range): return "\(host) resolves to \(address), a \(range) address"
        case let .redirectNotFollowed(status, location): return "redirect (\(status)) to \(location ?? "nowhere") not followed"
        case let .httpStatus(status): return "HTTP \(status)"
        case let .notAnImage(contentType): return "content type \(contentType ?? "(none)") is not an image"
        case .emptyBody: return "empty body"
        case let .tooLarge(limit): return "larger than \(limit) bytes"
        case .timedOut: return "timed out"
        case let .transport(code, message): return "transfer failed (curl \(code)): \(message)"
        }
    }
}
