import HTTPTypes

/// Errors the HTTP layer raises itself. Together with `ValidationError` and
/// `StoreError` they are turned into problem+json in one place: `ProblemMiddleware`.
enum APIError: Error, Sendable {
    case badRequest(String, field: String? = nil)
    case unauthenticated(String)
    case forbidden(String)
    case notFound(String)
    case conflict(String)
    /// The thing existed and is no more (an export whose file was deleted).
    case gone(String)
    case unsupportedMediaType
    case payloadTooLarge(limit: Int)
    /// A throttle: try again after `retryAfter` seconds (sent as `Retry-After`).
    case tooManyRequests(String, retryAfter: Int)
    /// A method the path does not serve; `allowed` goes into `Allow`.
    case methodNotAllowed(allowed: [String])
    /// The password was right and two-step sign-in is on: send the code too (401).
    case twoStepRequired
    /// The password was right, the tenant requires two-step sign-in and the user has none:
    /// enrol with this secret, then sign in with a code (403).
    case twoStepEnrolmentRequired(TwoStepEnrolmentBody)
}
