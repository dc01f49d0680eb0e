import CCurl

/// `curl_global_init` must run once, before any other libcurl call and not while
/// another thread uses libcurl. A `static let` is initialised exactly once, on first
/// use, under the runtime's own lock, which is what that rule needs.
enum CurlGlobal {
    private static let initCode: Int = Int(curl_global_init(Int(CURL_GLOBAL_DEFAULT)).rawValue)

    /// nil when libcurl is ready, otherwise its error code.
    static func initialize() -> Int? {
        initCode == Int(CURLE_OK.rawValue) ? nil : initCode
    }
}
