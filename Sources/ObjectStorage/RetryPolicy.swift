import CCurl
import Foundation

/// When and how long to wait before trying a request again.
///
/// Retried: 5xx and 429 (the server is busy or broken for a moment), S3's
/// `RequestTimeout` (a 400 that AWS's own SDKs retry), and transport failures.
/// Not retried: other 4xx (a wrong secret stays wrong), local file errors, and
/// cancellation. Delays grow exponentially with "equal jitter" (half fixed, half
/// random) so that many workers failing together do not retry in lock-step.
struct RetryPolicy: Sendable {
    let maxAttempts: Int
    var baseDelay: Duration = .milliseconds(200)
    var maxDelay: Duration = .seconds(5)

    func shouldRetry(_ error: ObjectStoreError) -> Bool {
        switch error {
        case let .http(status, code, _):
            return status >= 500 || status == 429 || code == "RequestTimeout" || code == "SlowDown"
        case let .transport(code, _):
            return !Self.permanentCurlCodes.contains(code)
        case .invalidKey, .notFound, .file, .configuration, .invalidRequest, .malformedResponse:
            return false
        }
    }

    /// The pause before attempt `attempt + 1` (attempt counts from 1).
    func delay(after attempt: Int, random: Double = Double.random(in: 0...1)) -> Duration {
        let exponent = min(max(attempt - 1, 0), 20)
        let full = min(baseDelay * (1 << exponent), maxDelay)
        return full / 2 + full / 2 * random
    }

    /// libcurl failures that another try cannot fix: our own option or URL mistakes,
    /// missing features, and certificate problems.
    private static let permanentCurlCodes: Set<Int> = Set([
        CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_NOT_BUILT_IN, CURLE_BAD_FUNCTION_ARGUMENT,
        CURLE_UNKNOWN_OPTION, CURLE_OUT_OF_MEMORY, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
        CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_LOGIN_DENIED, CURLE_ABORTED_BY_CALLBACK,
        CURLE_READ_ERROR, CURLE_WRITE_ERROR, CURLE_FILESIZE_EXCEEDED,
    ].map { Int($0.rawValue) })
}
