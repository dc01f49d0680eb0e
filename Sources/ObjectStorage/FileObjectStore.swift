#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Objects as files under a root folder: the embedded default (`file://`) and what
/// development uses. A key's segments become folders under the root, after
/// `ObjectKey` has refused anything that could climb out of it.
///
/// Writes go to a temporary file in the destination's own folder, are flushed, then
/// renamed over the destination: rename within one file system is atomic, so a reader
/// sees the old bytes or the new ones, never a mix, and a crash leaves at worst a
/// stray temporary file (named `.<name>.<uuid>.partial`).
public struct FileObjectStore: ObjectStore {
    public let root: URL

    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    /// `contentType` is not kept: a file has no metadata, and the API serves the
    /// download with the type it passes to `download`.
    public func put(file: URL, key: String, contentType: String) async throws -> Int64 {
        let destination = try path(for: key)
        return try await BlockingThread.run("parley-file-store") { Self.copyAtomically(from: file, to: destination) }.get()
    }

    public func get(key: String, to file: URL) async throws {
        let source = try path(for: key)
        guard Self.isRegularFile(source) else { throw ObjectStoreError.notFound(key: key) }
        _ = try await BlockingThread.run("parley-file-store") { Self.copyAtomically(from: source, to: file) }.get()
    }

    public func delete(key: String) async throws {
        let target = try path(for: key)
        if unlink(target.path) != 0 && errno != ENOENT {
            throw ObjectStoreError.file(path: target.path, message: "cannot delete: \(String(cString: strerror(errno)))")
        }
    }

    public func exists(key: String) async throws -> Bool {
        Self.isRegularFile(try path(for: key))
    }

    /// The stored file, for the API to stream; `fileName` and `contentType` are for the
    /// headers the API sets, and there is nothing to expire.
    public func download(key: String, fileName: String, contentType: String, expiresIn: TimeInterval, now: Date) throws -> DownloadLocation {
        let file = try path(for: key)
        guard Self.isRegularFile(file) else { throw ObjectStoreError.notFound(key: key) }
        return .localFile(file)
    }

    /// The file a key maps to, under `root`.
    func path(for key: String) throws(ObjectStoreError) -> URL {
        let key = try ObjectKey(key)
        return key.segments.reduce(root) { $0.appendingPathComponent($1, isDirectory: false) }
    }

    private static func isRegularFile(_ url: URL) -> Bool {
        var status = stat()
        return stat(url.path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }

    /// Streams `source` into a temporary file beside `destination`, flushes it and
    /// renames it into place; returns the bytes copied. The temporary file is removed
    /// on any failure.
    private static func copyAtomically(from source: URL, to destination: URL) -> Result<Int64, ObjectStoreError> {
        let input: OpenFile
        do {
            input = try OpenFile(reading: source)
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch let error as ObjectStoreError {
            return .failure(error)
        } catch {
            return .failure(.file(path: destination.deletingLastPathComponent().path, message: "cannot create folder: \(error)"))
        }
        let temporary = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).\(UUID().uuidString).partial").path
        let result = copy(input, toNew: temporary).flatMap { copied -> Result<Int64, ObjectStoreError> in
            guard rename(temporary, destination.path) == 0 else {
                return .failure(.file(path: destination.path, message: "cannot rename into place: \(String(cString: strerror(errno)))"))
            }
            return .success(copied)
        }
        if case .failure = result { unlink(temporary) }
        return result
    }

    private static func copy(_ input: OpenFile, toNew path: String) -> Result<Int64, ObjectStoreError> {
        let output: WritableFile
        do {
            output = try WritableFile(creatingNew: path)
        } catch {
            return .failure(error)
        }
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var offset: Int64 = 0
        while true {
            switch input.read(into: buffer, count: chunk, at: offset) {
            case let .failure(error):
                return .failure(error)
            case .success(0):
                if let error = output.sync() { return .failure(error) }
                return .success(offset)
            case let .success(got):
                if let error = output.write(UnsafeRawBufferPointer(start: buffer, count: got), at: offset) { return .failure(error) }
                offset += Int64(got)
            }
        }
    }
}
