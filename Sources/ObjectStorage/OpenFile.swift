#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto
import Foundation

/// A regular file opened for reading, read with `pread` so several transfers (and
/// retries) can read their own ranges of it without sharing a file position.
final class OpenFile: @unchecked Sendable {
    // @unchecked: `descriptor` and `size` never change; pread needs no locking.
    let path: String
    let descriptor: Int32
    let size: Int64

    init(reading url: URL) throws(ObjectStoreError) {
        let path = url.path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .file(path: path, message: "cannot open: \(String(cString: strerror(errno)))") }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let message = String(cString: strerror(errno))
            close(descriptor)
            throw .file(path: path, message: "cannot stat: \(message)")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw .file(path: path, message: "not a regular file")
        }
        self.path = path
        self.descriptor = descriptor
        self.size = Int64(status.st_size)
    }

    deinit {
        close(descriptor)
    }

    /// Reads up to `count` bytes at `offset` into `buffer`; 0 at end of file.
    func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int64) -> Result<Int, ObjectStoreError> {
        while true {
            let got = pread(descriptor, buffer, count, off_t(offset))
            if got >= 0 { return .success(got) }
            if errno == EINTR { continue }
            return .failure(.file(path: path, message: "read failed: \(String(cString: strerror(errno)))"))
        }
    }

    /// Hex SHA-256 of `length` bytes at `offset`, read in 1 MiB chunks so a part is never
    /// held in memory whole. Fails if the file is shorter than expected.
    func sha256(offset: Int64, length: Int64) -> Result<String, ObjectStoreError> {
        var hasher = SHA256()
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var done: Int64 = 0
        while done < length {
            let want = Int(min(Int64(chunk), length - done))
            switch read(into: buffer, count: want, at: offset + done) {
            case let .failure(error):
                return .failure(error)
            case .success(0):
                return .failure(.file(path: path, message: "file shrank while being uploaded"))
            case let .success(got):
                hasher.update(bufferPointer: UnsafeRawBufferPointer(start: buffer, count: got))
                done += Int64(got)
            }
        }
        return .success(hasher.finalize().hexString)
    }
}
