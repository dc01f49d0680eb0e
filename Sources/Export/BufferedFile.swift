import Foundation

/// A file written front to back through a fixed-size buffer, for the text formats.
/// Memory stays at one buffer whatever the file's size; a renderer that is given up
/// on calls `discard()` so no partial export is left for anyone to upload.
final class BufferedFile {
    let url: URL
    /// Filled by the renderer, written out whenever it passes `flushThreshold`.
    var buffer: [UInt8] = []
    private var handle: FileHandle?
    private let flushThreshold = 64 * 1024

    /// Creates (or empties) the file at `url`, readable by its owner only: exports
    /// hold customers' conversations and the file lives only until it is uploaded.
    init(creating url: URL) throws(ExportRenderError) {
        self.url = url
        guard FileManager.default.createFile(atPath: url.path, contents: nil,
                                             attributes: [.posixPermissions: 0o600]) else {
            throw ExportRenderError("cannot create \(url.path)")
        }
        do {
            handle = try FileHandle(forWritingTo: url)
        } catch {
            throw ExportRenderError("cannot open \(url.path): \(error)")
        }
        buffer.reserveCapacity(flushThreshold + 4096)
    }

    /// Writes the buffer out once it is full enough; call after each row.
    func flushIfFull() throws(ExportRenderError) {
        if buffer.count >= flushThreshold { try flush() }
    }

    /// Writes what is buffered and closes the file.
    func close() throws(ExportRenderError) {
        try flush()
        guard let handle else { return }
        self.handle = nil
        do {
            // Durable before the caller uploads it and marks the job done.
            try handle.synchronize()
            try handle.close()
        } catch {
            throw ExportRenderError("cannot close \(url.path): \(error)")
        }
    }

    /// Closes and deletes the file: for a renderer that will not finish.
    func discard() {
        if let handle {
            try? handle.close()
            self.handle = nil
        }
        try? FileManager.default.removeItem(at: url)
    }

    private func flush() throws(ExportRenderError) {
        guard !buffer.isEmpty else { return }
        guard let handle else { throw ExportRenderError("\(url.lastPathComponent) is already closed") }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw ExportRenderError("cannot write \(url.path): \(error)")
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
