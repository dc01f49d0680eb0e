import Foundation
import Logging

/// Multipart upload: create → parts (≥ 5 MiB, streamed from the file) → complete,
/// and abort on any failure so no half object or billed orphan parts stay behind.
extension S3ObjectStore {
    /// S3 allows at most this many parts per upload.
    static let maximumPartCount: Int64 = 10_000

    func putMultipart(_ source: OpenFile, key: ObjectKey, contentType: String) async throws {
        let uploadID = try await createMultipartUpload(key: key, contentType: contentType)
        do {
            let partSize = effectivePartSize(fileSize: source.size)
            var parts: [(number: Int, etag: String)] = []
            var offset: Int64 = 0
            while offset < source.size {
                try Task.checkCancellation()
                let length = min(partSize, source.size - offset)
                let number = parts.count + 1
                let etag = try await uploadPart(source, offset: offset, length: length, number: number, key: key, uploadID: uploadID)
                parts.append((number, etag))
                offset += length
            }
            try await completeMultipartUpload(key: key, uploadID: uploadID, parts: parts, expectedSize: source.size)
        } catch {
            await abortAfterFailure(key: key, uploadID: uploadID, cause: error)
            throw error
        }
    }

    /// The configured part size, grown when the file would need more than 10,000 parts.
    func effectivePartSize(fileSize: Int64) -> Int64 {
        let configured = Int64(configuration.partSize)
        let needed = (fileSize + Self.maximumPartCount - 1) / Self.maximumPartCount
        return max(configured, needed)
    }

    private func createMultipartUpload(key: ObjectKey, contentType: String) async throws -> String {
        // `uploads=` with the equals sign: libcurl 7.88 signs the query as written, and
        // S3's canonical form of a valueless parameter has the `=`.
        let response = try await send(
            "CreateMultipartUpload", .post, key: key, query: [("uploads", "")],
            headers: [("Content-Type", contentType)], body: .bytes(Data())
        )
        guard let root = XMLNode.parse(response.body), root.name == "InitiateMultipartUploadResult", let id = root.value("UploadId") else {
            throw ObjectStoreError.malformedResponse("CreateMultipartUpload answer has no UploadId")
        }
        return id
    }

    private func uploadPart(_ source: OpenFile, offset: Int64, length: Int64, number: Int, key: ObjectKey, uploadID: String) async throws -> String {
        let hash = try await sha256(source, offset: offset, length: length)
        let response = try await send(
            "UploadPart", .put, key: key, query: [("partNumber", String(number)), ("uploadId", uploadID)],
            headers: [("Content-Type", "application/octet-stream")],
            body: .file(source, offset: offset, length: length), payloadHash: hash,
            validate: { $0.headers["etag"] == nil ? .malformedResponse("UploadPart answer has no ETag") : nil }
        )
        guard let etag = response.headers["etag"] else {
            throw ObjectStoreError.malformedResponse("UploadPart answer has no ETag")
        }
        return etag
    }

    private func completeMultipartUpload(key: ObjectKey, uploadID: String, parts: [(number: Int, etag: String)], expectedSize: Int64) async throws {
        var xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for part in parts {
            xml += "<Part><PartNumber>\(part.number)</PartNumber><ETag>\(xmlEscaped(part.etag))</ETag></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        let body = Data(xml.utf8)
        do {
            _ = try await send(
                "CompleteMultipartUpload", .post, key: key, query: [("uploadId", uploadID)],
                headers: [("Content-Type", "application/xml")], body: .bytes(body), payloadHash: hexSHA256(body),
                validate: Self.completionError
            )
        } catch let ObjectStoreError.http(status, code, message) where code == "NoSuchUpload" {
            // A retried Complete whose first try succeeded but whose answer was lost finds
            // the upload gone: the object being there, whole, means it did complete.
            if try await objectSize(key) == expectedSize { return }
            throw ObjectStoreError.http(status: status, code: code, message: message)
        }
    }

    /// CompleteMultipartUpload can answer 200 and still fail, with an `<Error>` body
    /// (sent once the server has started its keep-alive whitespace).
    @Sendable static func completionError(_ response: CurlTransfer.Response) -> ObjectStoreError? {
        guard let root = XMLNode.parse(response.body) else {
            return .malformedResponse("CompleteMultipartUpload answer is not XML")
        }
        if root.name == "Error" {
            // Reported as a 500 when S3 calls it internal, so the retry policy retries it.
            let code = root.value("Code")
            return .http(status: code == "InternalError" ? 500 : response.status, code: code, message: root.value("Message"))
        }
        // S3 answers <CompleteMultipartUploadResult>; moto says <CompleteMultipartUploadResponse>.
        return root.name.hasPrefix("CompleteMultipartUpload") ? nil : .malformedResponse("CompleteMultipartUpload answered <\(root.name)>")
    }

    /// Aborts even when the failure was a cancellation: the abort runs in a task of
    /// its own, which the cancelled caller's cancellation does not reach.
    private func abortAfterFailure(key: ObjectKey, uploadID: String, cause: Error) async {
        let store = self
        let abort = Task { try await store.abortMultipartUpload(key: key.value, uploadID: uploadID) }
        do {
            try await abort.value
            logger.info("multipart upload aborted after a failure", metadata: ["key": "\(key.value)", "cause": "\(cause)"])
        } catch {
            logger.error("could not abort a failed multipart upload; its parts stay until a clean-up aborts it", metadata: [
                "key": "\(key.value)", "upload_id": "\(uploadID)", "cause": "\(cause)", "error": "\(error)",
            ])
        }
    }
}
