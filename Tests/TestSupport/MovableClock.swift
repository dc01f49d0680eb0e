import Domain
import Store
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

extension TestDatabase {
    /// The service's view of this database with `clock` as its time (and ids minted at it).
    public func database(clock: Domain.Clock) -> Database {
        Database(client: client, clock: clock, ids: IDGenerator(now: clock.now), contacts: TestDatabase.contacts,
                 logger: TestDatabase.logger)
    }
}
