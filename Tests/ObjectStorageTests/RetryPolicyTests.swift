import CCurl
import Testing
@testable import ObjectStorage

@Suite("Retry policy")
struct RetryPolicyTests {
    let policy = RetryPolicy(maxAttempts: 4)

    @Test("server trouble and transport failures are retried; client errors are not")
    func classification() {
        #expect(policy.shouldRetry(.http(status: 500, code: "InternalError", message: nil)))
        #expect(policy.shouldRetry(.http(status: 503, code: "SlowDown", message: nil)))
        #expect(policy.shouldRetry(.http(status: 429, code: nil, message: nil)))
        #expect(policy.shouldRetry(.http(status: 400, code: "RequestTimeout", message: nil)))
        #expect(policy.shouldRetry(.transport(code: Int(CURLE_COULDNT_CONNECT.rawValue), message: "")))
        #expect(policy.shouldRetry(.transport(code: Int(CURLE_OPERATION_TIMEDOUT.rawValue), message: "")))
        #expect(policy.shouldRetry(.transport(code: Int(CURLE_RECV_ERROR.rawValue), message: "")))

        #expect(!policy.shouldRetry(.http(status: 403, code: "SignatureDoesNotMatch", message: nil)))
        #expect(!policy.shouldRetry(.http(status: 404, code: "NoSuchBucket", message: nil)))
        #expect(!policy.shouldRetry(.http(status: 400, code: "EntityTooSmall", message: nil)))
        #expect(!policy.shouldRetry(.transport(code: Int(CURLE_URL_MALFORMAT.rawValue), message: "")))
        #expect(!policy.shouldRetry(.transport(code: Int(CURLE_PEER_FAILED_VERIFICATION.rawValue), message: "")))
        #expect(!policy.shouldRetry(.file(path: "/x", message: "file shrank")))
        #expect(!policy.shouldRetry(.invalidKey("", reason: "empty")))
    }

    @Test("delays double from 200 ms with jitter in the upper half, capped at 5 s")
    func backoff() {
        #expect(policy.delay(after: 1, random: 0) == .milliseconds(100))
        #expect(policy.delay(after: 1, random: 1) == .milliseconds(200))
        #expect(policy.delay(after: 2, random: 1) == .milliseconds(400))
        #expect(policy.delay(after: 3, random: 0.5) == .milliseconds(600))
        #expect(policy.delay(after: 30, random: 1) == .seconds(5))
        #expect(policy.delay(after: 30, random: 0) == .milliseconds(2500))
    }
}
