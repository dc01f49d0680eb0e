@testable import API
import Hummingbird
import Logging
import NIOEmbedded
import Testing

@Suite("Request logging")
struct RequestLoggingTests {
    @Test("the tenant a handler learns is on the log lines of whoever logs the request's failure")
    func tenantOnFailureLines() async throws {
        let source = ApplicationRequestContextSource(channel: NIOAsyncTestingChannel(), logger: Logger(label: "test"))
        let outer = AppRequestContext(source: source)
        // Handlers tag the copy they hold; the problem middleware logs with the outer one.
        var handlerCopy = outer
        handlerCopy.tag(tenantID: "0192f0c4-0000-7000-8000-000000000001")
        #expect(outer.taggedLogger[metadataKey: "tenant_id"] == "0192f0c4-0000-7000-8000-000000000001")
        #expect(AppRequestContext(source: source).taggedLogger[metadataKey: "tenant_id"] == nil)
    }
}
