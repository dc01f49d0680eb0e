import Foundation

/// Failures of the store that mean something to a caller; mapped to HTTP in the API layer.
public enum StoreError: Error, Sendable, Equatable {
    /// The row does not exist, or the caller's scope cannot see it (the two are indistinguishable on purpose).
    case notFound(String)
    /// A uniqueness rule was broken: `what` names it, for the client.
    case conflict(String)
    /// The caller's account no longer exists or was disabled since the token was issued.
    case principalGone
    /// A stored migration file differs from the one applied; names the file.
    case migrationChecksumMismatch(file: String)
    /// The migrator could not run (connection, SQL error); the message comes from PostgreSQL.
    case migrationFailed(file: String?, message: String)
}
