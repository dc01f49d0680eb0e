import Foundation
import Testing
@testable import ObjectStorage

/// Against the real moto server from scripts/lib/s3.sh, with signature checking on.
@Suite("S3 object store against moto")
struct S3ObjectStoreTests {
    @Test("a small file goes up in one PUT and comes back byte for byte")
    func smallRoundTrip() async throws {
        let environment = try S3TestEnvironment()
        let store = try environment.store()
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let source = try folder.randomFile("small.csv", count: 300_000)
        let key = S3TestEnvironment.uniqueKey("small.csv")

        let stored = try await store.put(file: source, key: key, contentType: "text/csv")
        #expect(stored == 300_000)
        #expect(try await store.exists(key: key))
        let copy = folder.file("copy.csv")
        try await store.get(key: key, to: copy)
        #expect(try filesAreIdentical(source, copy))
        #expect(try await openUploads(store, key: key).isEmpty)
    }

    @Test("an empty file is stored as an empty object")
    func emptyFile() async throws {
        let environment = try S3TestEnvironment()
        let store = try environment.store()
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let source = folder.file("empty.txt")
        _ = FileManager.default.createFile(atPath: source.path, contents: Data())
        let key = S3TestEnvironment.uniqueKey("empty.txt")

        #expect(try await store.put(file: source, key: key, contentType: "text/plain") == 0)
        let copy = folder.file("copy.txt")
        try await store.get(key: key, to: copy)
        #expect(try Data(contentsOf: copy).isEmpty)
    }

    @Test("a 12 MiB file goes up in 5 MiB parts and comes back identical, replacing what was there")
    func multipartRoundTrip() async throws {
        let environment = try S3TestEnvironment()
        let store = try environment.store(partSize: S3Configuration.minimumPartSize)
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let key = S3TestEnvironment.uniqueKey("big.xlsx")
        _ = try await store.put(file: try folder.randomFile("old.bin", count: 1000, seed: 1), key: key, contentType: "application/octet-stream")
        let source = try folder.randomFile("big.xlsx", count: 12 * 1024 * 1024 + 12_345, seed: 7)

        let stored = try await store.put(file: source, key: key, contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        #expect(stored == 12 * 1024 * 1024 + 12_345)
        let copy = folder.file("copy.xlsx")
        try await store.get(key: key, to: copy)
        #expect(try filesAreIdentical(source, copy))
        #expect(try await openUploads(store, key: key).isEmpty)
        #expect(try await store.objectSize(ObjectKey(key)) == stored)
    }

    @Test("a part that fails mid-upload (the file shrank) leaves no object and no open multipart upload")
    func failedPartAbortsUpload() async throws {
        let environment = try S3TestEnvironment()
        let store = try environment.store(partSize: S3Configuration.minimumPartSize)
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let source = try folder.randomFile("shrinks.bin", count: 60 * 1024 * 1024)
        let key = S3TestEnvironment.uniqueKey("shrinks.bin")

        let upload = Task { try await store.put(file: source, key: key, contentType: "application/octet-stream") }
        try await waitForOpenUpload(store, key: key)
        // The next read past the new end finds nothing: a real failure inside a part.
        #expect(truncate(source.path, 1000) == 0)

        let result = await upload.result
        guard case let .failure(error) = result, case let ObjectStoreError.file(_, message)? = error as? ObjectStoreError else {
            Issue.record("expected a file error, got \(result)")
            return
        }
        #expect(message.contains("shrank"))
        #expect(try await store.exists(key: key) == false)
        #expect(try await openUploads(store, key: key).isEmpty)
    }

    @Test("a cancelled multipart upload is aborted: no object, no open upload")
    func cancelledUploadAborts() async throws {
        let environment = try S3TestEnvironment()
        let store = try environment.store(partSize: S3Configuration.minimumPartSize)
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let source = try folder.randomFile("cancelled.bin", count: 60 * 1024 * 1024)
        let key = S3TestEnvironment.uniqueKey("cancelled.bin")

        let upload = Task { try await store.put(file: source, key: key, contentType: "application/octet-stream") }
        try await waitForOpenUpload(store, key: key)
        upload.cancel()

        let result = await upload.result
        guard case let .failure(error) = result else {
            Issue.record("the upload finished before it could be cancelled")
            return
        }
        #expect(error is CancellationError)
        #expect(try await store.exists(key: key) == false)
        #expect(try await openUploads(store, key: key).isEmpty)
    }

    @Test("a wrong secret is refused with a typed 403 SignatureDoesNotMatch")
    func wrongSecretRefused() async throws {
        let environment = try S3TestEnvironment()
        let store = try environment.store(secret: "not-the-secret")
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let source = try folder.randomFile("denied.txt", count: 100)
        let key = S3TestEnvironment.uniqueKey("denied.txt")

        do {
            _ = try await store.put(file: source, key: key, contentType: "text/plain")
            Issue.record("a wrong secret was accepted")
        } catch let ObjectStoreError.http(status, code, _) {
            #expect(status == 403)
            #expect(code == "SignatureDoesNotMatch")
        }
        #expect(try await environment.store().exists(key: key) == false)
    }

    @Test("a bucket that does not exist is a typed 404 NoSuchBucket for put, get and delete")
    func missingBucket() async throws {
        let environment = try S3TestEnvironment()
        let store = try environment.store(bucket: "parley-no-such-bucket")
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let source = try folder.randomFile("lost.txt", count: 10)
        let key = S3TestEnvironment.uniqueKey("lost.txt")
        do {
            _ = try await store.put(file: source, key: key, contentType: "text/plain")
            Issue.record("a missing bucket accepted an object")
        } catch let ObjectStoreError.http(status, code, _) {
            #expect(status == 404)
            #expect(code == "NoSuchBucket")
        }
        // Reading and deleting say so too, rather than "no such key" or a silent success.
        for operation in ["get", "delete"] {
            do {
                if operation == "get" { try await store.get(key: key, to: folder.file("lost-copy")) } else { try await store.delete(key: key) }
                Issue.record("\(operation) in a missing bucket succeeded")
            } catch let ObjectStoreError.http(status, code, _) {
                #expect(status == 404 && code == "NoSuchBucket", "\(operation)")
            }
        }
    }

    @Test("delete removes an object, and deleting a missing key is not an error")
    func deleteAndMissing() async throws {
        let environment = try S3TestEnvironment()
        let store = try environment.store()
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let key = S3TestEnvironment.uniqueKey("gone.txt")
        _ = try await store.put(file: try folder.randomFile("gone.txt", count: 10), key: key, contentType: "text/plain")

        try await store.delete(key: key)
        #expect(try await store.exists(key: key) == false)
        try await store.delete(key: key)
        try await store.delete(key: S3TestEnvironment.uniqueKey("never-there.txt"))
        await #expect(throws: ObjectStoreError.notFound(key: key)) { try await store.get(key: key, to: folder.file("x")) }
        #expect(FileManager.default.fileExists(atPath: folder.file("x").path) == false)
    }

    @Test("unsafe keys are refused before any request")
    func unsafeKeys() async throws {
        let store = try S3TestEnvironment().store()
        for key in ["", "/abs/key", "a//b", "a/../b", "a/./b", "trailing/", "nul\u{0}byte"] {
            await #expect(throws: ObjectStoreError.self, "key \(String(reflecting: key))") { _ = try await store.exists(key: key) }
        }
    }

    /// Open multipart uploads of `key`. Listed for the whole bucket and filtered here:
    /// moto refuses the signature of any query value with a percent-escape (`prefix=
    /// tenants%2F...`), from boto3 as from libcurl, while real S3 takes it.
    private func openUploads(_ store: S3ObjectStore, key: String) async throws -> [OpenMultipartUpload] {
        try await store.openMultipartUploads(prefix: "").filter { $0.key == key }
    }

    /// Polls until the store reports an open multipart upload for `key` (within 30 s).
    private func waitForOpenUpload(_ store: S3ObjectStore, key: String) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if try await !openUploads(store, key: key).isEmpty { return }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw ObjectStoreError.malformedResponse("no multipart upload for \(key) appeared within 30 s")
    }
}
