import CCurl

/// A failed libcurl call: its CURLcode and the most specific message libcurl gave.
struct CurlFailure: Error, Sendable {
    let code: Int
    let message: String

    var curlCode: CURLcode { CURLcode(rawValue: UInt32(truncatingIfNeeded: code)) }
}

/// One libcurl easy handle, used by one thread for one transfer, then cleaned up.
/// Options go through the typed wrappers in `CCurl/shim.h`.
final class CurlEasy {
    let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var headerLists: [UnsafeMutablePointer<curl_slist>] = []

    init() throws(CurlFailure) {
        if let code = CurlGlobal.initialize() {
            throw CurlFailure(code: code, message: "curl_global_init failed")
        }
        guard let handle = curl_easy_init() else {
            throw CurlFailure(code: Int(CURLE_FAILED_INIT.rawValue), message: "curl_easy_init failed")
        }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        // The buffer gets the detailed reason ("Failed to connect to ... port 9: ...")
        // that curl_easy_strerror's generic text lacks.
        parley_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        // Threads other than the main one must not get SIGALRM from DNS time-outs.
        parley_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        for list in headerLists { curl_slist_free_all(list) }
        errorBuffer.deallocate()
    }

    func set(_ option: CURLoption, _ value: Int) throws(CurlFailure) {
        try check(parley_curl_setopt_long(handle, option, value), option)
    }

    func set(_ option: CURLoption, _ value: String) throws(CurlFailure) {
        try check(parley_curl_setopt_string(handle, option, value), option)
    }

    func set(_ option: CURLoption, size value: Int64) throws(CurlFailure) {
        try check(parley_curl_setopt_off_t(handle, option, curl_off_t(value)), option)
    }

    func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer?) throws(CurlFailure) {
        try check(parley_curl_setopt_pointer(handle, option, value), option)
    }

    /// Request headers as `Name: value` lines; the list lives as long as the handle.
    func setHeaders(_ lines: [String]) throws(CurlFailure) {
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines {
            guard let next = curl_slist_append(list, line) else {
                if let list { curl_slist_free_all(list) }
                throw CurlFailure(code: Int(CURLE_OUT_OF_MEMORY.rawValue), message: "curl_slist_append failed")
            }
            list = next
        }
        guard let list else { return }
        headerLists.append(list)
        try check(parley_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, list), CURLOPT_HTTPHEADER)
    }

    func check(_ code: CURLcode, _ option: CURLoption) throws(CurlFailure) {
        guard code != CURLE_OK else { return }
        throw CurlFailure(code: Int(code.rawValue), message: "setting option \(option.rawValue): \(String(cString: curl_easy_strerror(code)))")
    }

    /// Runs the transfer on this thread; nil when it completed (whatever the status).
    func perform() -> CurlFailure? {
        errorBuffer[0] = 0
        let code = curl_easy_perform(handle)
        guard code != CURLE_OK else { return nil }
        let detail = String(cString: errorBuffer)
        return CurlFailure(code: Int(code.rawValue), message: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail)
    }

    /// The last response's HTTP status, 0 before one arrived.
    var responseCode: Int {
        var code = 0
        parley_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    /// The last response's Content-Type, if it had one.
    var contentType: String? {
        var value: UnsafePointer<CChar>?
        guard parley_curl_getinfo_string(handle, CURLINFO_CONTENT_TYPE, &value) == CURLE_OK, let value else { return nil }
        return String(cString: value)
    }
}
