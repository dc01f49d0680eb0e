import HTTPTypes

/// Errors the HTTP layer raises itself. Together with `ValidationError` and
/// `StoreError` they are turned into problem+json in one place: `ProblemMiddleware`.
enum APIError: Error, Sendable {
    case badRequest(String, field: String? = nil)
    case unauthenticated(String)
    case forbidden(String)
    case notFound(String)
    case conflict(String)
    case unsupportedMediaType
    case payloadTooLarge(limit: Int)
}
