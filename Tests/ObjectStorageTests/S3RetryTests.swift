import Foundation
import Testing
@testable import ObjectStorage

/// Retries seen on the wire, against the test HTTP server's fake buckets (moto cannot
/// be made to fail on purpose).
@Suite("S3 retries")
struct S3RetryTests {
    func store(_ server: TestHTTPServer, bucket: String) throws -> S3ObjectStore {
        S3ObjectStore(configuration: try S3Configuration(
            endpoint: try #require(URL(string: server.base)), bucket: bucket, region: "us-east-1",
            accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "secret", pathStyle: true, maxAttempts: 4
        ))
    }

    @Test("503 SlowDown twice, then success: the PUT is retried and succeeds on the third try")
    func retriesServerErrors() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let server = try TestHTTPServer(root: folder.url)
        defer { server.stop() }
        let source = try folder.randomFile("a.csv", count: 1000)

        #expect(try await store(server, bucket: "flaky").put(file: source, key: "t/a.csv", contentType: "text/csv") == 1000)
        #expect(try server.requestCount("/flaky/t/a.csv") == 3)
    }

    @Test("403 is not retried: one request, and the S3 error code comes back typed")
    func doesNotRetryClientErrors() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let server = try TestHTTPServer(root: folder.url)
        defer { server.stop() }
        let source = try folder.randomFile("a.csv", count: 1000)

        await #expect(throws: ObjectStoreError.http(status: 403, code: "AccessDenied", message: "Access Denied")) {
            _ = try await store(server, bucket: "denied").put(file: source, key: "t/a.csv", contentType: "text/csv")
        }
        #expect(try server.requestCount("/denied/t/a.csv") == 1)
    }

    @Test("a server that is not there is a transport error after every attempt")
    func transportFailure() async throws {
        // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
        let store = S3ObjectStore(configuration: try S3Configuration(
            endpoint: try #require(URL(string: "http://127.0.0.1:9")), bucket: "nowhere", region: "us-east-1",
            accessKeyID: "AK", secretAccessKey: "S", pathStyle: true, maxAttempts: 2
        ))
        do {
            _ = try await store.exists(key: "a/b")
            Issue.record("reached a server that is not there")
        } catch let ObjectStoreError.transport(code, message) {
            #expect(code == 7, "CURLE_COULDNT_CONNECT, got \(code): \(message)")
        }
    }
}
