import Foundation

/// Where export files live: an S3-compatible bucket or a local folder.
///
/// Keys are relative, slash-separated paths such as
/// `tenants/<uuid>/exports/<uuid>/file.xlsx`; both stores refuse the same unsafe keys
/// (see `ObjectKey`), so a key that works in development works in production.
public protocol ObjectStore: Sendable {
    /// Stores the file's bytes under `key`, replacing any object already there, and
    /// returns how many bytes were stored. Large files are streamed from disk, never
    /// read whole into memory; a failed upload leaves no partial object behind.
    func put(file: URL, key: String, contentType: String) async throws -> Int64

    /// Writes the object's bytes to `file` (for tests and benchmarks; clients download
    /// through `download`). Throws `ObjectStoreError.notFound` for a missing key.
    func get(key: String, to file: URL) async throws

    /// Removes the object. A key that does not exist is not an error, so a retried
    /// clean-up never fails on what the first attempt already removed.
    func delete(key: String) async throws

    /// Whether an object is stored under `key`.
    func exists(key: String) async throws -> Bool

    /// How a client fetches the object: a short-lived signed URL to redirect to, or a
    /// local file for the API to stream. Makes no network call.
    ///
    /// - Parameters:
    ///   - fileName: the name the browser saves the file as (any Unicode).
    ///   - contentType: the type the download is served with.
    ///   - expiresIn: how long a signed URL stays valid (1 second to 7 days).
    ///   - now: the signing time; injected so tests can make a URL that has expired.
    func download(key: String, fileName: String, contentType: String, expiresIn: TimeInterval, now: Date) throws -> DownloadLocation
}
