import Foundation

/// Runs blocking work (a libcurl transfer, a file copy) on a thread of its own.
///
/// Swift's cooperative pool has one thread per core (two here): a blocking call on it
/// would stall every other task for as long as an upload takes. A thread per call does
/// not depend on how any shared pool grows when its threads block, and costs tens of
/// microseconds, nothing next to a network round trip.
enum BlockingThread {
    static func run<T: Sendable>(_ name: String, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: body())
            }
            thread.name = name
            thread.start()
        }
    }

    /// As `run`, and a task cancellation sets `flag`, which the work polls.
    static func run<T: Sendable>(_ name: String, cancellation flag: CancellationFlag, _ body: @escaping @Sendable () -> T) async -> T {
        await withTaskCancellationHandler {
            await run(name, body)
        } onCancel: {
            flag.cancel()
        }
    }
}
