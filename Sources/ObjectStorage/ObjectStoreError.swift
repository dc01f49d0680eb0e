/// What went wrong talking to object storage. Messages never contain credentials.
public enum ObjectStoreError: Error, Equatable, CustomStringConvertible {
    /// The key is not a safe relative path (see `ObjectKey`).
    case invalidKey(String, reason: String)
    /// No object is stored under the key.
    case notFound(key: String)
    /// The server answered with an error status; `code` and `message` come from the
    /// S3 XML error body when there is one (HEAD answers have none).
    case http(status: Int, code: String?, message: String?)
    /// libcurl could not complete the exchange (connection, TLS, timeout, ...).
    case transport(code: Int, message: String)
    /// A local file could not be read or written.
    case file(path: String, message: String)
    /// The store's configuration is unusable; the text names what is wrong.
    case configuration(String)
    /// A call's arguments are unusable (e.g. a signed URL valid for more than 7 days).
    case invalidRequest(String)
    /// The server answered 2xx with something we cannot use (e.g. no UploadId).
    case malformedResponse(String)

    public var description: String {
        switch self {
        case let .invalidKey(key, reason):
            return "invalid object key \(String(reflecting: key)): \(reason)"
        case let .notFound(key):
            return "no object stored under \(String(reflecting: key))"
        case let .http(status, code, message):
            let detail = [code, message].compactMap { $0 }.joined(separator: ": ")
            return detail.isEmpty ? "object storage answered HTTP \(status)" : "object storage answered HTTP \(status) (\(detail))"
        case let .transport(code, message):
            return "object storage transport error (curl \(code)): \(message)"
        case let .file(path, message):
            return "local file \(path): \(message)"
        case let .configuration(text):
            return "object storage configuration: \(text)"
        case let .invalidRequest(text):
            return "invalid object storage request: \(text)"
        case let .malformedResponse(text):
            return "unexpected object storage response: \(text)"
        }
    }
}
