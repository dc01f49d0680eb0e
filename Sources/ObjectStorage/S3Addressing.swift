import Foundation

/// Turns a bucket and key into the URL and Host header of a request, in path or
/// virtual-hosted style.
struct S3Addressing: Sendable {
    let scheme: String
    /// What the Host header carries (and what SigV4 signs): host, and the port when it
    /// is not the scheme's default, as every HTTP client sends it.
    let hostHeader: String
    let bucket: String
    let pathStyle: Bool

    init(_ configuration: S3Configuration) {
        let scheme = configuration.endpoint.scheme?.lowercased() ?? "https"
        var host = configuration.endpoint.host ?? ""
        if host.contains(":") && !host.hasPrefix("[") { host = "[\(host)]" }
        if !configuration.pathStyle { host = "\(configuration.bucket).\(host)" }
        let defaultPort = scheme == "https" ? 443 : 80
        if let port = configuration.endpoint.port, port != defaultPort { host += ":\(port)" }
        self.scheme = scheme
        self.hostHeader = host
        self.bucket = configuration.bucket
        self.pathStyle = configuration.pathStyle
    }

    /// The encoded path of an object, or of the bucket itself when `key` is nil.
    func path(for key: ObjectKey?) -> String {
        let prefix = pathStyle ? "/\(bucket)" : ""
        guard let key else { return pathStyle ? prefix : "/" }
        return prefix + "/" + AWSPercentEncoding.encode(key.value, keepingSlash: true)
    }

    /// The full URL with a canonical (encoded, sorted) query, so that the query libcurl
    /// signs is the one S3 computes.
    func url(for key: ObjectKey?, query: [(name: String, value: String)] = []) -> String {
        let base = "\(scheme)://\(hostHeader)\(path(for: key))"
        return query.isEmpty ? base : base + "?" + AWSPercentEncoding.canonicalQuery(query)
    }
}
