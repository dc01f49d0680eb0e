#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A file opened for writing with `pwrite`, so a retried download can start again at
/// offset 0 after `truncate()`.
final class WritableFile: @unchecked Sendable {
    // @unchecked: used by one transfer thread at a time; the descriptor never changes.
    let path: String
    let descriptor: Int32

    /// Creates or truncates the file (mode 0600: export files hold personal data).
    init(creating path: String) throws(ObjectStoreError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .file(path: path, message: "cannot create: \(String(cString: strerror(errno)))") }
        self.path = path
        self.descriptor = descriptor
    }

    /// Opens a new file that must not exist yet (O_EXCL): a temporary file nobody else
    /// can have opened.
    init(creatingNew path: String) throws(ObjectStoreError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .file(path: path, message: "cannot create: \(String(cString: strerror(errno)))") }
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// Writes all of `buffer` at `offset`.
    func write(_ buffer: UnsafeRawBufferPointer, at offset: Int64) -> ObjectStoreError? {
        guard let base = buffer.baseAddress else { return nil }
        var done = 0
        while done < buffer.count {
            let wrote = pwrite(descriptor, base + done, buffer.count - done, off_t(offset + Int64(done)))
            if wrote < 0 {
                if errno == EINTR { continue }
                return .file(path: path, message: "write failed: \(String(cString: strerror(errno)))")
            }
            done += wrote
        }
        return nil
    }

    func truncate() -> ObjectStoreError? {
        ftruncate(descriptor, 0) == 0 ? nil : .file(path: path, message: "truncate failed: \(String(cString: strerror(errno)))")
    }

    /// Flushes to disk, so a rename that follows publishes complete bytes even after a crash.
    func sync() -> ObjectStoreError? {
        fsync(descriptor) == 0 ? nil : .file(path: path, message: "fsync failed: \(String(cString: strerror(errno)))")
    }
}
