import Foundation
import Logging

/// Objects in an S3-compatible bucket, over libcurl, with requests signed by libcurl's
/// own SigV4 (`CURLOPT_AWS_SIGV4`) and presigned download URLs signed in Swift.
///
/// Files up to `partSize` go up in one PUT; larger ones as a multipart upload whose
/// parts are streamed from the file. Every libcurl call runs on a thread of its own,
/// so a slow transfer never holds one of Swift's cooperative threads.
public struct S3ObjectStore: ObjectStore {
    public let configuration: S3Configuration
    let addressing: S3Addressing
    let signing: CurlTransfer.Signing
    let retry: RetryPolicy
    let logger: Logger

    public init(configuration: S3Configuration, logger: Logger = Logger(label: "parley.object-storage.s3")) {
        self.configuration = configuration
        self.addressing = S3Addressing(configuration)
        self.signing = .init(region: configuration.region, accessKeyID: configuration.accessKeyID, secretAccessKey: configuration.secretAccessKey)
        self.retry = RetryPolicy(maxAttempts: configuration.maxAttempts)
        self.logger = logger
    }

    public func put(file: URL, key: String, contentType: String) async throws -> Int64 {
        let key = try ObjectKey(key)
        let source = try OpenFile(reading: file)
        if source.size <= Int64(configuration.partSize) {
            try await putSingle(source, key: key, contentType: contentType)
        } else {
            try await putMultipart(source, key: key, contentType: contentType)
        }
        return source.size
    }

    public func get(key: String, to file: URL) async throws {
        let objectKey = try ObjectKey(key)
        let destination = try WritableFile(creating: file.path)
        do {
            let response = try await send(
                "GetObject", .get, key: objectKey, responseFile: destination, accepting: { $0 / 100 == 2 || $0 == 404 }
            )
            if response.status == 404 { throw Self.missingBucketError(response) ?? ObjectStoreError.notFound(key: key) }
            if let error = destination.sync() { throw error }
        } catch {
            // Half a download is worse than none: the caller could take it for the object.
            try? FileManager.default.removeItem(at: file)
            throw error
        }
    }

    public func delete(key: String) async throws {
        let objectKey = try ObjectKey(key)
        // S3 answers 204 for a missing key; some servers answer 404 NoSuchKey. Either is
        // fine, but a missing bucket is a misconfiguration, not a deleted object.
        let response = try await send("DeleteObject", .delete, key: objectKey, accepting: { $0 / 100 == 2 || $0 == 404 })
        if response.status == 404, let error = Self.missingBucketError(response) { throw error }
    }

    public func exists(key: String) async throws -> Bool {
        try await objectSize(try ObjectKey(key)) != nil
    }

    public func download(key: String, fileName: String, contentType: String, expiresIn: TimeInterval, now: Date) throws -> DownloadLocation {
        let objectKey = try ObjectKey(key)
        let presigner = S3Presigner(
            signer: SigV4Signer(accessKeyID: configuration.accessKeyID, secretAccessKey: configuration.secretAccessKey, region: configuration.region, service: "s3"),
            addressing: addressing
        )
        // S3 answers the GET with these two headers instead of the stored ones, so the
        // browser saves the file under its human name and type.
        let url = try presigner.presignedGET(
            key: objectKey,
            extraQuery: [
                ("response-content-disposition", ContentDisposition.attachment(fileName: fileName)),
                ("response-content-type", contentType),
            ],
            expiresIn: expiresIn, now: now
        )
        return .redirect(url)
    }

    /// Multipart uploads under `prefix` that are still open (for clean-up, and for tests
    /// proving a failed upload left none).
    public func openMultipartUploads(prefix: String) async throws -> [OpenMultipartUpload] {
        var uploads: [OpenMultipartUpload] = []
        var keyMarker: String?
        var uploadIDMarker: String?
        repeat {
            var query: [(name: String, value: String)] = [("uploads", "")]
            if !prefix.isEmpty { query.append(("prefix", prefix)) }
            if let keyMarker { query.append(("key-marker", keyMarker)) }
            if let uploadIDMarker { query.append(("upload-id-marker", uploadIDMarker)) }
            let response = try await send("ListMultipartUploads", .get, key: nil, query: query)
            guard let root = XMLNode.parse(response.body), root.name == "ListMultipartUploadsResult" else {
                throw ObjectStoreError.malformedResponse("ListMultipartUploads answer is not a ListMultipartUploadsResult")
            }
            for upload in root.children("Upload") {
                if let key = upload.value("Key"), let id = upload.value("UploadId") {
                    uploads.append(OpenMultipartUpload(key: key, uploadID: id))
                }
            }
            let truncated = root.value("IsTruncated") == "true"
            keyMarker = root.value("NextKeyMarker")
            uploadIDMarker = root.value("NextUploadIdMarker")
            if !truncated || keyMarker == nil { break }
        } while true
        return uploads
    }

    /// Discards an open multipart upload and its parts; one already gone is not an error.
    public func abortMultipartUpload(key: String, uploadID: String) async throws {
        let objectKey = try ObjectKey(key)
        _ = try await send(
            "AbortMultipartUpload", .delete, key: objectKey, query: [("uploadId", uploadID)], accepting: { $0 / 100 == 2 || $0 == 404 }
        )
    }

    // MARK: Single PUT and HEAD

    private func putSingle(_ source: OpenFile, key: ObjectKey, contentType: String) async throws {
        let hash = try await sha256(source, offset: 0, length: source.size)
        _ = try await send(
            "PutObject", .put, key: key, headers: [("Content-Type", contentType)],
            body: .file(source, offset: 0, length: source.size), payloadHash: hash
        )
    }

    /// The typed error when a 404 says the bucket, not the key, is missing.
    static func missingBucketError(_ response: CurlTransfer.Response) -> ObjectStoreError? {
        guard let body = S3ErrorBody(response.body), body.code == "NoSuchBucket" else { return nil }
        return .http(status: response.status, code: body.code, message: body.message)
    }

    /// The stored object's size, nil when there is none. HEAD answers carry no body, so
    /// a missing bucket looks like a missing key here.
    func objectSize(_ key: ObjectKey) async throws -> Int64? {
        let response = try await send("HeadObject", .head, key: key, accepting: { $0 / 100 == 2 || $0 == 404 })
        guard response.status / 100 == 2 else { return nil }
        return response.headers["content-length"].flatMap { Int64($0) } ?? 0
    }

    /// Hashing reads the file: done on a thread of its own like the transfer.
    func sha256(_ source: OpenFile, offset: Int64, length: Int64) async throws -> String {
        try await BlockingThread.run("parley-s3-hash") { source.sha256(offset: offset, length: length) }.get()
    }
}
