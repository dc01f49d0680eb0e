import Foundation
import Testing
@testable import ObjectStorage

@Suite("File object store")
struct FileObjectStoreTests {
    @Test("put, exists, get and delete round-trip the bytes under the root")
    func roundTrip() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = FileObjectStore(root: folder.url.appendingPathComponent("objects"))
        let source = try folder.randomFile("in.pdf", count: 3 * 1024 * 1024 + 17)
        let key = "tenants/6b1f/exports/0190/file.pdf"

        #expect(try await store.put(file: source, key: key, contentType: "application/pdf") == 3 * 1024 * 1024 + 17)
        #expect(try await store.exists(key: key))
        #expect(FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("objects/tenants/6b1f/exports/0190/file.pdf").path))
        let copy = folder.file("out.pdf")
        try await store.get(key: key, to: copy)
        #expect(try filesAreIdentical(source, copy))

        try await store.delete(key: key)
        #expect(try await store.exists(key: key) == false)
        try await store.delete(key: key)
        await #expect(throws: ObjectStoreError.notFound(key: key)) { try await store.get(key: key, to: folder.file("none")) }
    }

    @Test("a replace is atomic: the new bytes appear whole and no temporary file stays")
    func atomicReplace() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = FileObjectStore(root: folder.url)
        let key = "tenants/a/exports/b/report.csv"
        let old = try folder.randomFile("old.csv", count: 2 * 1024 * 1024, seed: 1)
        let new = try folder.randomFile("new.csv", count: 5 * 1024 * 1024, seed: 2)
        _ = try await store.put(file: old, key: key, contentType: "text/csv")
        let stored = try store.path(for: key)
        let before = try FileManager.default.attributesOfItem(atPath: stored.path)[.systemFileNumber] as? Int

        // A reader that opened the old object keeps reading the old bytes whole: the
        // replace is a rename onto the name, not a rewrite of the file it has open.
        let reader = try FileHandle(forReadingFrom: stored)
        defer { try? reader.close() }
        _ = try await store.put(file: new, key: key, contentType: "text/csv")
        #expect(try reader.readToEnd() == Data(contentsOf: old))

        #expect(try filesAreIdentical(stored, new))
        let after = try FileManager.default.attributesOfItem(atPath: stored.path)[.systemFileNumber] as? Int
        #expect(before != after, "the object must be a new file renamed into place")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: stored.deletingLastPathComponent().path)
        #expect(leftovers == ["report.csv"])
    }

    @Test("a failed put leaves the old object and no temporary file")
    func failedPutKeepsOld() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = FileObjectStore(root: folder.url)
        let key = "tenants/a/exports/b/report.csv"
        let old = try folder.randomFile("old.csv", count: 1000)
        _ = try await store.put(file: old, key: key, contentType: "text/csv")

        await #expect(throws: ObjectStoreError.self) {
            _ = try await store.put(file: folder.file("does-not-exist.csv"), key: key, contentType: "text/csv")
        }
        let stored = try store.path(for: key)
        #expect(try filesAreIdentical(stored, old))
        #expect(try FileManager.default.contentsOfDirectory(atPath: stored.deletingLastPathComponent().path) == ["report.csv"])
    }

    @Test("keys that could leave the root, or are not paths, are refused", arguments: [
        "", "/etc/passwd", "../outside.txt", "tenants/../../outside.txt", "tenants/./x", "a//b", "trailing/",
        "nul\u{0}.txt", "line\nbreak", "back\\slash", String(repeating: "k", count: 1025),
    ])
    func refusedKeys(key: String) async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = FileObjectStore(root: folder.url.appendingPathComponent("objects"))
        let source = try folder.randomFile("x", count: 1)
        await #expect(throws: ObjectStoreError.self) { _ = try await store.put(file: source, key: key, contentType: "text/plain") }
        await #expect(throws: ObjectStoreError.self) { _ = try await store.exists(key: key) }
        await #expect(throws: ObjectStoreError.self) { try await store.delete(key: key) }
        #expect(throws: ObjectStoreError.self) { _ = try store.download(key: key, fileName: "x", contentType: "text/plain", expiresIn: 60, now: Date()) }
        #expect(FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("outside.txt").path) == false)
    }

    @Test("keys with dots inside names, Unicode and deep folders are fine")
    func acceptedKeys() throws {
        let store = FileObjectStore(root: URL(fileURLWithPath: "/srv/parley"))
        #expect(try store.path(for: "tenants/x/exports/y/会话..导出.v2.xlsx").path == "/srv/parley/tenants/x/exports/y/会话..导出.v2.xlsx")
        #expect(try store.path(for: ".hidden/...").path == "/srv/parley/.hidden/...")
    }
}
