import Domain
import Foundation
import Synchronization

/// A clock a test moves by hand: expiries and windows are tested by moving it, never by sleeping.
public final class MovableClock: Sendable {
    private let current: Mutex<Date>

    public init(_ start: Date = Date()) { current = Mutex(start) }

    public var clock: Domain.Clock { Domain.Clock(now: { self.current.withLock { $0 } }) }
    public var now: Date { current.withLock { $0 } }

    public func advance(days: Double) { current.withLock { $0 = $0.addingTimeInterval(days * 86_400) } }
}
