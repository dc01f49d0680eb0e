import Foundation

/// When a failed job may run again: exponential backoff with jitter, so a storage outage
/// does not bring every worker back at the same second.
struct RetryPolicy: Sendable {
    var base: TimeInterval = 30
    var maximum: TimeInterval = 15 * 60

    /// The delay after the `attempt`-th attempt (1-based) failed.
    func delay(afterAttempt attempt: Int) -> TimeInterval {
        let exponential = min(maximum, base * pow(2, Double(max(0, attempt - 1))))
        return exponential * Double.random(in: 0.8...1.2)
    }
}
