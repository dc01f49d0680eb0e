/// Where a request came from, as the audit trail records it: the client's address (after
/// the trusted-proxy rule, `Services.clientAddress`) and its user agent. The API binds it
/// for the whole request; work without a request (jobs, commands) records none.
public struct RequestOrigin: Sendable, Equatable {
    public let clientAddress: String?
    public let userAgent: String?

    /// User agents are the client's own words: kept to this many characters.
    public static let maxUserAgentLength = 512

    public init(clientAddress: String?, userAgent: String?) {
        self.clientAddress = clientAddress
        self.userAgent = userAgent.map { String($0.prefix(Self.maxUserAgentLength)) }
    }

    @TaskLocal public static var current: RequestOrigin?
}
