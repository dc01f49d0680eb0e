#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CCurl
import Foundation

/// Fetches an image a message links to, for the PDF renderer to embed.
///
/// The URL comes from a chat message, so it is treated as hostile: http and https
/// only, no redirects, a size limit enforced while the body arrives, a total time
/// limit, and no connection to an address that is not public (loopback, private,
/// link-local, CGNAT, multicast, unspecified, reserved; IPv4 and IPv6, IPv4-mapped
/// too) unless the URL's host is listed in `allowedHosts`. The address check runs in
/// libcurl's open-socket callback, on the very address it is about to connect to, so
/// a name that resolves to a public address at one moment and a private one the next
/// (DNS rebinding) gains nothing. Proxies from the environment are ignored for the
/// same reason: through a proxy, the address checked would be the proxy's.
///
/// `fetch` blocks the calling thread (the renderer's own).
public struct ImageFetcher: Sendable {
    public let maxBytes: Int
    public let timeout: TimeInterval
    /// Host names or literal addresses (lower case, IPv6 without brackets) that may be
    /// fetched from whatever address they resolve to: our own attachment host, say.
    public let allowedHosts: Set<String>

    public init(maxBytes: Int = 5 * 1024 * 1024, timeout: TimeInterval = 5, allowedHosts: Set<String> = []) {
        self.maxBytes = max(1, maxBytes)
        self.timeout = timeout > 0 ? timeout : 5
        self.allowedHosts = Set(allowedHosts.map { Self.normalizedHost($0) })
    }

    public func fetch(_ url: String) -> Result<Data, ImageFetchError> {
        guard let parsed = curl_url() else { return .failure(.transport(code: Int(CURLE_OUT_OF_MEMORY.rawValue), message: "curl_url failed")) }
        defer { curl_url_cleanup(parsed) }
        // The same parser libcurl connects with (handed over with CURLOPT_CURLU), so the
        // host we check is the host it uses; two parsers could disagree on odd URLs.
        guard curl_url_set(parsed, CURLUPART_URL, url, 0) == CURLUE_OK,
              let scheme = Self.part(parsed, CURLUPART_SCHEME)?.lowercased() else {
            return .failure(.invalidURL(url))
        }
        guard scheme == "http" || scheme == "https" else { return .failure(.unsupportedScheme(scheme)) }
        guard let rawHost = Self.part(parsed, CURLUPART_HOST) else { return .failure(.invalidURL(url)) }
        let host = Self.normalizedHost(rawHost)

        let easy: CurlEasy
        do {
            easy = try CurlEasy()
        } catch {
            return .failure(.transport(code: error.code, message: error.message))
        }
        let state = FetchState(easy: easy, host: host, checkAddresses: !allowedHosts.contains(host), maxBytes: maxBytes)
        do {
            try configure(easy, url: parsed, state: state)
        } catch {
            return .failure(.transport(code: error.code, message: error.message))
        }
        let failure = withExtendedLifetime(state) { easy.perform() }
        // The handle only borrowed the parsed URL; let go of it before `parsed` is freed.
        parley_curl_setopt_curlu(easy.handle, nil)
        if let refused = state.refusal { return .failure(refused) }
        if let failure {
            if let blocked = state.blocked { return .failure(blocked) }
            switch failure.curlCode {
            case CURLE_FILESIZE_EXCEEDED: return .failure(.tooLarge(limit: maxBytes))
            case CURLE_OPERATION_TIMEDOUT: return .failure(.timedOut)
            case CURLE_UNSUPPORTED_PROTOCOL: return .failure(.unsupportedScheme(scheme))
            default: return .failure(.transport(code: failure.code, message: failure.message))
            }
        }
        // Answers without a body never reached the write callback's checks.
        if let refused = Self.refusal(status: easy.responseCode, contentType: easy.contentType, easy: easy) { return .failure(refused) }
        guard !state.data.isEmpty else { return .failure(.emptyBody) }
        return .success(state.data)
    }

    private func configure(_ easy: CurlEasy, url: OpaquePointer, state: FetchState) throws(CurlFailure) {
        try easy.check(parley_curl_setopt_curlu(easy.handle, url), CURLOPT_CURLU)
        try easy.set(CURLOPT_PROTOCOLS_STR, "http,https")
        try easy.set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        try easy.set(CURLOPT_FOLLOWLOCATION, 0)
        try easy.set(CURLOPT_PROXY, "")
        try easy.set(CURLOPT_TIMEOUT_MS, Int(timeout * 1000))
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, Int(min(timeout, 3) * 1000))
        // Refuses up front when the server announces a Content-Length over the limit;
        // the write callback enforces it for bodies that do not announce one.
        try easy.set(CURLOPT_MAXFILESIZE_LARGE, size: Int64(maxBytes))
        try easy.set(CURLOPT_USERAGENT, "Parley-ImageFetcher/1")

        let context = Unmanaged.passUnretained(state).toOpaque()
        try easy.check(parley_curl_setopt_opensocket_function(easy.handle) { context, _, address in
            guard let context, let address else { return CURL_SOCKET_BAD }
            return Unmanaged<FetchState>.fromOpaque(context).takeUnretainedValue().openSocket(address)
        }, CURLOPT_OPENSOCKETFUNCTION)
        try easy.set(CURLOPT_OPENSOCKETDATA, pointer: context)
        try easy.check(parley_curl_setopt_write_function(easy.handle, CURLOPT_WRITEFUNCTION) { buffer, size, count, context in
            guard let context else { return 0 }
            let bytes = UnsafeRawBufferPointer(start: buffer, count: size * count)
            return Unmanaged<FetchState>.fromOpaque(context).takeUnretainedValue().receive(bytes)
        }, CURLOPT_WRITEFUNCTION)
        try easy.set(CURLOPT_WRITEDATA, pointer: context)
    }

    /// Why an answer with this status and type is refused, nil when it is acceptable.
    fileprivate static func refusal(status: Int, contentType: String?, easy: CurlEasy) -> ImageFetchError? {
        if (300..<400).contains(status) {
            var location: UnsafePointer<CChar>?
            let found = parley_curl_getinfo_string(easy.handle, CURLINFO_REDIRECT_URL, &location) == CURLE_OK
            return .redirectNotFollowed(status: status, location: found ? location.map { String(cString: $0) } : nil)
        }
        guard (200..<300).contains(status) else { return .httpStatus(status) }
        guard let contentType, contentType.lowercased().hasPrefix("image/") else { return .notAnImage(contentType: contentType) }
        return nil
    }

    private static func part(_ url: OpaquePointer, _ which: CURLUPart) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard curl_url_get(url, which, &value, 0) == CURLUE_OK, let value else { return nil }
        defer { curl_free(value) }
        return String(cString: value)
    }

    private static func normalizedHost(_ host: String) -> String {
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.hasSuffix(".") { host.removeLast() }
        return host
    }
}

/// What the fetch's callbacks share; used only on the fetching thread.
private final class FetchState {
    let easy: CurlEasy
    let host: String
    let checkAddresses: Bool
    let maxBytes: Int
    var data = Data()
    var checkedAnswer = false
    /// Set when a callback refused the answer; reported instead of libcurl's abort code.
    var refusal: ImageFetchError?
    /// Set when an address was refused; reported if no other address connected.
    var blocked: ImageFetchError?

    init(easy: CurlEasy, host: String, checkAddresses: Bool, maxBytes: Int) {
        self.easy = easy
        self.host = host
        self.checkAddresses = checkAddresses
        self.maxBytes = maxBytes
    }

    func openSocket(_ address: UnsafeMutablePointer<curl_sockaddr>) -> curl_socket_t {
        let family = address.pointee.family
        if checkAddresses {
            let (range, text) = BlockedAddressRange.classify(parley_curl_sockaddr_address(address))
            if let range {
                blocked = .blockedAddress(host: host, address: text, range: range)
                return CURL_SOCKET_BAD
            }
        }
        #if os(Linux)
        let type = address.pointee.socktype | Int32(SOCK_CLOEXEC.rawValue)
        #else
        let type = address.pointee.socktype
        #endif
        return socket(family, type, address.pointee.protocol)
    }

    func receive(_ bytes: UnsafeRawBufferPointer) -> Int {
        if !checkedAnswer {
            checkedAnswer = true
            if let refused = ImageFetcher.refusal(status: easy.responseCode, contentType: easy.contentType, easy: easy) {
                refusal = refused
                return 0
            }
        }
        guard data.count + bytes.count <= maxBytes else {
            refusal = .tooLarge(limit: maxBytes)
            return 0
        }
        data.append(contentsOf: bytes)
        return bytes.count
    }
}
