import Hummingbird
import Logging

/// Per-request context. The request id travels in the logger's metadata
/// (`hb.request.id`), and the tenant id is added once the caller is known, so every
/// log line of a request can be tied to both.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    /// Adds the caller's tenant to every later log line of this request.
    mutating func tag(tenantID: String) {
        logger[metadataKey: "tenant_id"] = .string(tenantID)
    }
}
