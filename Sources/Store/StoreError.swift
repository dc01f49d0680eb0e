import Foundation

/// Failures of the store that mean something to a caller; mapped to HTTP in the API layer.
/// PostgreSQL's own errors become one of these inside Store (`StoreError.from`), so no
/// other module needs to know the driver.
public enum StoreError: Error, Sendable, Equatable {
    /// The row does not exist, or the caller's scope cannot see it (the two are indistinguishable on purpose).
    case notFound(String)
    /// A uniqueness rule was broken: `what` names it, for the client.
    case conflict(String)
    /// The caller's account no longer exists or was disabled since the token was issued.
    case principalGone
    /// A value PostgreSQL could not take (SQLSTATE class 22): input the API's rules should
    /// have refused first.
    case invalidValue(sqlState: String)
    /// A serialization failure, deadlock or lock timeout with a concurrent request: worth a retry.
    case concurrentChange
    /// A concurrent request created the same row first (a unique violation nobody handled).
    case concurrentDuplicate
    /// The database cannot be reached, or the connection broke mid-request.
    case unavailable
    /// A stored row holds a value this version cannot read (a newer writer, a hand edit).
    case corrupt(String)
    /// A stored migration file differs from the one applied; names the file.
    case migrationChecksumMismatch(file: String)
    /// The migrator could not run (connection, SQL error); the message comes from PostgreSQL.
    case migrationFailed(file: String?, message: String)
}

/// A batch would create more month partitions than one batch may
/// (`Database.maxNewPartitionsPerBatch`); `index` is the first item refused.
public struct NewPartitionLimit: Error, Sendable, Equatable {
    public let index: Int
    public let limit: Int
}
