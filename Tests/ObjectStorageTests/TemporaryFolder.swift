import Foundation

/// A folder under /tmp removed when the test is done (`defer { folder.remove() }`).
struct TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("parley-objectstorage-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL {
        url.appendingPathComponent(name)
    }

    /// Writes `count` pseudo-random bytes (seeded, so a failure can be replayed) in 1 MiB
    /// chunks, and returns the file.
    func randomFile(_ name: String, count: Int, seed: UInt64 = 42) throws -> URL {
        let file = self.file(name)
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        var state = seed
        var remaining = count
        while remaining > 0 {
            let size = min(remaining, 1 << 20)
            // xorshift64, eight bytes a step: fast even in debug builds, and different
            // bytes at every offset, so a swapped or repeated part cannot compare equal.
            var words = [UInt64](repeating: 0, count: (size + 7) / 8)
            for i in words.indices {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                words[i] = state
            }
            try words.withUnsafeBytes { try handle.write(contentsOf: $0.prefix(size)) }
            remaining -= size
        }
        return file
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// Whether two files hold the same bytes (compared in chunks, not whole in memory).
func filesAreIdentical(_ a: URL, _ b: URL) throws -> Bool {
    let first = try FileHandle(forReadingFrom: a)
    let second = try FileHandle(forReadingFrom: b)
    defer {
        try? first.close()
        try? second.close()
    }
    while true {
        let left = try first.read(upToCount: 1 << 20) ?? Data()
        let right = try second.read(upToCount: 1 << 20) ?? Data()
        if left != right { return false }
        if left.isEmpty { return true }
    }
}
