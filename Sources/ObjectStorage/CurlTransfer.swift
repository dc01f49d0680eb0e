import CCurl
import Foundation

/// One HTTP exchange with an S3-compatible server, signed by libcurl (SigV4).
/// `perform` blocks: call it through `BlockingThread`.
struct CurlTransfer: Sendable {
    enum Method: String, Sendable {
        case get = "GET", head = "HEAD", put = "PUT", post = "POST", delete = "DELETE"
    }

    enum Body: Sendable {
        case none
        case bytes(Data)
        /// `length` bytes of `file` starting at `offset`, streamed as libcurl asks.
        case file(OpenFile, offset: Int64, length: Int64)

        var length: Int64 {
            switch self {
            case .none: return 0
            case let .bytes(data): return Int64(data.count)
            case let .file(_, _, length): return length
            }
        }
    }

    struct Signing: Sendable {
        let region: String
        let accessKeyID: String
        let secretAccessKey: String
    }

    struct Response: Sendable {
        let status: Int
        /// Lower-cased names; the last value wins.
        let headers: [String: String]
        /// The body, unless it went to `responseFile`.
        let body: Data
    }

    enum Failure: Error, Sendable {
        case curl(CurlFailure)
        case cancelled
        case local(ObjectStoreError)
        case responseTooLarge(limit: Int)
    }

    var method: Method
    var url: String
    var headers: [(name: String, value: String)]
    var body: Body = .none
    var signing: Signing
    /// Where a 2xx body goes; error bodies always stay in memory to be parsed.
    var responseFile: WritableFile?
    /// Bound on a body kept in memory: S3 XML answers are small; anything bigger is wrong.
    var maxBodyInMemory = 8 << 20

    /// Seconds to establish a connection; then a transfer slower than 1 byte/s for
    /// `stallTime` seconds is abandoned (and retried). There is no total time-out: a
    /// large part on a slow link may legitimately take minutes.
    static let connectTimeout = 10
    static let stallTime = 60

    func perform(cancellation: CancellationFlag) -> Result<Response, Failure> {
        let easy: CurlEasy
        do {
            easy = try CurlEasy()
        } catch {
            return .failure(.curl(error))
        }
        let state = TransferState(easy: easy, body: body, responseFile: responseFile, maxBody: maxBodyInMemory, cancellation: cancellation)
        do {
            try configure(easy, state: state)
        } catch {
            return .failure(.curl(error))
        }
        let failure = withExtendedLifetime(state) { easy.perform() }
        if let failure {
            if cancellation.isCancelled { return .failure(.cancelled) }
            if let local = state.localError { return .failure(.local(local)) }
            if state.bodyTooLarge { return .failure(.responseTooLarge(limit: maxBodyInMemory)) }
            return .failure(.curl(failure))
        }
        return .success(Response(status: easy.responseCode, headers: state.headers, body: state.data))
    }

    private func configure(_ easy: CurlEasy, state: TransferState) throws(CurlFailure) {
        try easy.set(CURLOPT_URL, url)
        try easy.set(CURLOPT_PROTOCOLS_STR, "http,https")
        try easy.set(CURLOPT_CONNECTTIMEOUT, Self.connectTimeout)
        try easy.set(CURLOPT_LOW_SPEED_LIMIT, 1)
        try easy.set(CURLOPT_LOW_SPEED_TIME, Self.stallTime)
        try easy.set(CURLOPT_TCP_KEEPALIVE, 1)

        // libcurl computes the SigV4 Authorization header and X-Amz-Date from these.
        // USERNAME and PASSWORD are what CURLOPT_USERPWD splits into; setting them
        // apart means a ':' in the secret can never move into the key id.
        try easy.set(CURLOPT_AWS_SIGV4, "aws:amz:\(signing.region):s3")
        try easy.set(CURLOPT_USERNAME, signing.accessKeyID)
        try easy.set(CURLOPT_PASSWORD, signing.secretAccessKey)

        switch method {
        case .get:
            try easy.set(CURLOPT_HTTPGET, 1)
        case .head:
            try easy.set(CURLOPT_NOBODY, 1)
        case .put:
            try easy.set(CURLOPT_UPLOAD, 1)
            try easy.set(CURLOPT_INFILESIZE_LARGE, size: body.length)
        case .post:
            try easy.set(CURLOPT_POST, 1)
            try easy.set(CURLOPT_POSTFIELDSIZE_LARGE, size: body.length)
        case .delete:
            try easy.set(CURLOPT_CUSTOMREQUEST, "DELETE")
        }
        // Never an Expect header of ours: libcurl would sign it, then drop or change it
        // when it handles 100-continue itself, and the signature would no longer match.
        try easy.setHeaders(headers.map { "\($0.name): \($0.value)" })

        let context = Unmanaged.passUnretained(state).toOpaque()
        if method == .put || method == .post {
            try easy.check(parley_curl_setopt_read_function(easy.handle) { buffer, size, count, context in
                guard let buffer, let context else { return Int(CURL_READFUNC_ABORT) }
                return Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue().read(into: buffer, capacity: size * count)
            }, CURLOPT_READFUNCTION)
            try easy.set(CURLOPT_READDATA, pointer: context)
            // Lets libcurl rewind the body itself (e.g. on a reused connection that closed).
            try easy.check(parley_curl_setopt_seek_function(easy.handle) { context, offset, origin in
                guard let context, origin == SEEK_SET else { return Int32(CURL_SEEKFUNC_CANTSEEK) }
                return Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue().seek(to: Int64(offset))
            }, CURLOPT_SEEKFUNCTION)
            try easy.set(CURLOPT_SEEKDATA, pointer: context)
        }
        try easy.check(parley_curl_setopt_write_function(easy.handle, CURLOPT_WRITEFUNCTION) { buffer, size, count, context in
            guard let context else { return 0 }
            let bytes = UnsafeRawBufferPointer(start: buffer, count: size * count)
            return Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue().receive(bytes)
        }, CURLOPT_WRITEFUNCTION)
        try easy.set(CURLOPT_WRITEDATA, pointer: context)
        try easy.check(parley_curl_setopt_write_function(easy.handle, CURLOPT_HEADERFUNCTION) { buffer, size, count, context in
            guard let context else { return 0 }
            let bytes = UnsafeRawBufferPointer(start: buffer, count: size * count)
            Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue().header(bytes)
            return size * count
        }, CURLOPT_HEADERFUNCTION)
        try easy.set(CURLOPT_HEADERDATA, pointer: context)
        // The progress callback is where a cancelled task stops the transfer.
        try easy.set(CURLOPT_NOPROGRESS, 0)
        try easy.check(parley_curl_setopt_xferinfo_function(easy.handle) { context, _, _, _, _ in
            guard let context else { return 0 }
            return Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue().cancellation.isCancelled ? 1 : 0
        }, CURLOPT_XFERINFOFUNCTION)
        try easy.set(CURLOPT_XFERINFODATA, pointer: context)
    }
}

/// What libcurl's callbacks read and write during one transfer, reached through the
/// opaque context pointer. Used only on the transfer's thread.
private final class TransferState {
    let easy: CurlEasy
    let body: CurlTransfer.Body
    let responseFile: WritableFile?
    let maxBody: Int
    let cancellation: CancellationFlag

    var position: Int64 = 0
    var writesToFile: Bool?
    var fileOffset: Int64 = 0
    var data = Data()
    var headers: [String: String] = [:]
    var localError: ObjectStoreError?
    var bodyTooLarge = false

    init(easy: CurlEasy, body: CurlTransfer.Body, responseFile: WritableFile?, maxBody: Int, cancellation: CancellationFlag) {
        self.easy = easy
        self.body = body
        self.responseFile = responseFile
        self.maxBody = maxBody
        self.cancellation = cancellation
    }

    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let remaining = body.length - position
        guard remaining > 0 else { return 0 }
        let want = Int(min(Int64(capacity), remaining))
        switch body {
        case .none:
            return 0
        case let .bytes(data):
            let start = data.startIndex + Int(position)
            data.copyBytes(to: UnsafeMutableRawPointer(buffer).assumingMemoryBound(to: UInt8.self), from: start..<(start + want))
            position += Int64(want)
            return want
        case let .file(file, offset, _):
            switch file.read(into: buffer, count: want, at: offset + position) {
            case let .failure(error):
                localError = error
                return Int(CURL_READFUNC_ABORT)
            case .success(0):
                // The file got shorter than when the upload began: sending fewer bytes
                // than announced would only fail later, less clearly.
                localError = .file(path: file.path, message: "file shrank while being uploaded")
                return Int(CURL_READFUNC_ABORT)
            case let .success(got):
                position += Int64(got)
                return got
            }
        }
    }

    func seek(to offset: Int64) -> Int32 {
        guard offset >= 0, offset <= body.length else { return Int32(CURL_SEEKFUNC_FAIL) }
        position = offset
        return Int32(CURL_SEEKFUNC_OK)
    }

    func receive(_ bytes: UnsafeRawBufferPointer) -> Int {
        if writesToFile == nil {
            writesToFile = responseFile != nil && (200..<300).contains(easy.responseCode)
        }
        if writesToFile == true, let responseFile {
            if let error = responseFile.write(bytes, at: fileOffset) {
                localError = error
                return 0
            }
            fileOffset += Int64(bytes.count)
            return bytes.count
        }
        guard data.count + bytes.count <= maxBody else {
            bodyTooLarge = true
            return 0
        }
        data.append(contentsOf: bytes)
        return bytes.count
    }

    func header(_ bytes: UnsafeRawBufferPointer) {
        let line = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("HTTP/") {
            // A new status line (after "100 Continue"): earlier headers were not the answer's.
            headers = [:]
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        headers[name] = value
    }
}
