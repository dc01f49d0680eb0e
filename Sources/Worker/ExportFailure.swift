import Export
import Foundation
import ObjectStorage
import Store

/// Why an export stopped, and whether trying again later may help.
enum ExportFailure: Error {
    /// Cancelled by its requester, or taken over by another worker after the lease ran out.
    case lost
    /// Will fail the same way again (a rule, a broken selection, a renderer error).
    case permanent(String)
    /// The database or storage was unavailable: retried with backoff.
    case transient(String)

    var retryable: Bool { if case .transient = self { true } else { false } }

    var reason: String {
        switch self {
        case .lost: "cancelled"
        case .permanent(let reason), .transient(let reason): reason
        }
    }

    static func classify(_ error: any Error) -> ExportFailure {
        switch error {
        case let failure as ExportFailure: return failure
        case let error as ExportRenderError: return .permanent("the file could not be written: \(error.description)")
        case StoreError.unavailable, StoreError.concurrentChange: return .transient("the database was unavailable")
        case StoreError.principalGone: return .permanent("the requester's account no longer exists or is disabled")
        // The reason is shown to the requester: what happened, not our paths or hosts
        // (the log has the whole error).
        case let error as ObjectStoreError:
            return error.retryMayHelp ? .transient("object storage was unavailable") : .permanent("object storage refused the file")
        default: return .transient("an unexpected error; it will be retried")
        }
    }
}

extension ObjectStoreError {
    /// Outages (transport errors, 5xx, throttling) pass; refusals (4xx, bad keys) do not.
    var retryMayHelp: Bool {
        switch self {
        case .transport, .file: true
        case .http(let status, _, _): status >= 500 || status == 429
        default: false
        }
    }
}
