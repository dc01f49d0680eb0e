import Hummingbird
import Logging
import Synchronization

/// Per-request context. The request id travels in the logger's metadata
/// (`hb.request.id`), and the tenant id is added once the caller is known, so every
/// log line of a request can be tied to both.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Shared by every copy of this context: handlers tag the copy they hold, and the
    /// middleware that logs a failure holds another.
    let caller = CallerTag()
    /// The peer's IP address (nil in in-process tests); see `Services.clientAddress`.
    let peerAddress: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.peerAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Adds the caller's tenant to every later log line of this request.
    mutating func tag(tenantID: String) {
        logger[metadataKey: "tenant_id"] = .string(tenantID)
        caller.tenantID = tenantID
    }

    /// The request's logger with the caller's tenant, whichever copy of the context tagged it.
    var taggedLogger: Logger {
        var logger = self.logger
        if let tenantID = caller.tenantID { logger[metadataKey: "tenant_id"] = .string(tenantID) }
        return logger
    }
}

/// Who the request turned out to be for, shared by reference across context copies.
final class CallerTag: Sendable {
    private let tenant = Mutex<String?>(nil)
    var tenantID: String? {
        get { tenant.withLock { $0 } }
        set { tenant.withLock { $0 = newValue } }
    }
}
