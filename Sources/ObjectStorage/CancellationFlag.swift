import Foundation

/// Set by a task's cancellation handler, read by libcurl's progress callback on the
/// transfer's own thread, which then aborts the transfer.
final class CancellationFlag: @unchecked Sendable {
    // @unchecked: the only state is `cancelled`, always accessed under `lock`.
    private let lock = NSLock()
    private var cancelled = false

    func cancel() {
        lock.withLock { cancelled = true }
    }

    var isCancelled: Bool {
        lock.withLock { cancelled }
    }
}
