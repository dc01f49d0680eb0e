import Foundation

/// Where a client gets an object's bytes from (see `ObjectStore.download`).
public enum DownloadLocation: Sendable, Equatable {
    /// A presigned URL: the API answers with a redirect, the bytes never pass through it.
    case redirect(URL)
    /// A file on this machine that the API streams itself (the `file://` store).
    case localFile(URL)
}
