import Domain
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Wakes long-polling clients when a notification is posted for them.
///
/// One connection per process listens on `NotificationRepository.channel`; each waiting
/// request is a continuation in a dictionary keyed by user id, and one timer task ends the
/// waits whose time is up. So 5,000 idle long-polls cost 5,000 small entries: no connection,
/// task or poll each, and no database work until something arrives for one of them.
///
/// While the listening connection is down (the database restarted, the backend was
/// killed), notifications are lost, so every waiter is woken about once a
/// `fallbackInterval` to look for itself, and once more when the hub listens again; the
/// hub reconnects with backoff. Runs as a `Service` until graceful shutdown, and then
/// answers every waiter at once so the HTTP server can drain.
///
/// The listener leases its connection from the service's pool for as long as it listens
/// (one connection fewer for requests). LISTEN needs a session of its own: behind a pooler
/// in transaction mode (PgBouncer) the pool must reach PostgreSQL directly for this to work.
public final class NotificationHub: Service, Sendable {
    /// The hub's pace; tests shorten it.
    public struct Timing: Sendable {
        /// How often the timer looks for waits that are over (their precision).
        public var tick: Duration
        /// How often waiters look for themselves while nobody listens.
        public var fallbackInterval: Duration
        /// The first wait before reconnecting; doubled after each failure, up to `maximumRetryDelay`.
        public var firstRetryDelay: Duration
        public var maximumRetryDelay: Duration
        /// How often the listening connection must answer a query, and how soon: an idle
        /// connection cut by the network would otherwise look like a quiet one forever.
        public var healthCheckInterval: Duration
        public var healthCheckTimeout: Duration

        public init(tick: Duration = .milliseconds(100), fallbackInterval: Duration = .seconds(1),
                    firstRetryDelay: Duration = .milliseconds(250), maximumRetryDelay: Duration = .seconds(10),
                    healthCheckInterval: Duration = .seconds(30), healthCheckTimeout: Duration = .seconds(5)) {
            self.tick = tick
            self.fallbackInterval = fallbackInterval
            self.firstRetryDelay = firstRetryDelay
            self.maximumRetryDelay = maximumRetryDelay
            self.healthCheckInterval = healthCheckInterval
            self.healthCheckTimeout = healthCheckTimeout
        }
    }

    /// Why a wait ended.
    enum Wake: Sendable, Equatable {
        /// A notification for this user arrived.
        case notified
        /// Something may have been missed (nobody was listening for a while): look again.
        case recheck
        /// The time was up, or the waiting task was cancelled (its client went away).
        case timedOut
        /// The hub has stopped (graceful shutdown): answer with what there is.
        case closing
    }

    private let client: PostgresClient
    private let timing: Timing
    private let logger: Logger
    private let elapsed: @Sendable () -> Duration
    private let sleep: @Sendable (Duration) async throws -> Void
    private let state = Mutex(HubState())

    /// - Parameter clock: measures the waits and paces the timer, reconnection and fallback.
    public init(database: Database, timing: Timing = Timing(), clock: any _Concurrency.Clock<Duration> = ContinuousClock(),
                logger: Logger? = nil) {
        self.client = database.client
        self.timing = timing
        self.logger = logger ?? database.logger
        (self.elapsed, self.sleep) = Self.timeline(clock)
    }

    /// Elapsed time since now and sleeping, from any clock (an existential cannot subtract its instants).
    private static func timeline<C: _Concurrency.Clock>(_ clock: C) -> (@Sendable () -> Duration, @Sendable (Duration) async throws -> Void)
    where C.Duration == Duration {
        let start = clock.now
        return ({ start.duration(to: clock.now) }, { try await clock.sleep(for: $0) })
    }

    /// Whether the hub is listening now (otherwise waiters fall back to looking every `fallbackInterval`).
    public var isListening: Bool { state.withLock { $0.phase == .listening } }

    /// Waits registered now, for tests and metrics.
    public var waiterCount: Int { state.withLock { $0.count } }

    // MARK: Waiting

    /// Waits until a notification for `userID` arrives (`true`), or until `timeout` passes,
    /// the hub falls back to polling or stops, or the task is cancelled (`false`).
    public func wait(for userID: UUID, timeout: Duration) async -> Bool {
        await wait(arm(userID), timeout: timeout) == .notified
    }

    /// Runs `fetch` until `isReady` accepts its value or `timeout` passes, and returns the
    /// last value; in between, waits for a notification for `userID` (or a reason to look
    /// again). The waiter is registered before each fetch, so a notification committed
    /// while `fetch` reads is not missed. `fetch` runs outside any wait: call it with the
    /// transaction inside, so no connection is held while a client waits.
    public func watch<Value: Sendable>(for userID: UUID, timeout: Duration, until isReady: (Value) -> Bool,
                                       _ fetch: () async throws -> Value) async throws -> Value {
        let deadline = elapsed() + timeout
        while true {
            let ticket = arm(userID)
            let value: Value
            do {
                value = try await fetch()
            } catch {
                disarm(ticket)
                throw error
            }
            let remaining = deadline - elapsed()
            guard !isReady(value), remaining > .zero else {
                disarm(ticket)
                return value
            }
            switch await wait(ticket, timeout: remaining) {
            case .notified, .recheck: continue
            case .timedOut, .closing: return value
            }
        }
    }

    func arm(_ userID: UUID) -> Ticket {
        state.withLock { $0.arm(userID) }
    }

    func disarm(_ ticket: Ticket) {
        state.withLock { _ = $0.remove(ticket) }
    }

    /// Suspends an armed waiter until it is woken, its time is up or its task is cancelled.
    func wait(_ ticket: Ticket, timeout: Duration) async -> Wake {
        guard timeout > .zero else {
            disarm(ticket)
            return .timedOut
        }
        if state.withLock({ $0.phase == .idle }) {
            // Not running (a tool or test without the service): nobody listens and no timer
            // runs, so the waiter paces itself like the polling fallback.
            disarm(ticket)
            do { try await sleep(min(timeout, timing.fallbackInterval)) } catch { return .timedOut }
            return timeout <= timing.fallbackInterval ? .timedOut : .recheck
        }
        let tick = timing.tick.nanoseconds, timeout = timeout.nanoseconds
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Wake, Never>) in
                let now = elapsed().nanoseconds
                if let wake = state.withLock({ $0.suspend(ticket, continuation, until: now + timeout, tick: tick) }) {
                    continuation.resume(returning: wake)
                }
            }
        } onCancel: {
            state.withLock { $0.cancel(ticket) }?.resume(returning: .timedOut)
        }
    }

    // MARK: Running

    /// Listens and keeps time until graceful shutdown or cancellation; then answers every waiter.
    public func run() async throws {
        let started = state.withLock { state in
            guard state.phase == .idle else { return false }
            state.phase = .down
            state.lastFallback = elapsed().nanoseconds
            return true
        }
        precondition(started, "NotificationHub.run() is called once")
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.keepTime() }
                group.addTask { await self.listen() }
                await group.next()
                group.cancelAll()
            }
        }
        resume(state.withLock { $0.finish() })
        logger.debug("notification hub stopped")
    }

    /// Ends the waits whose time is up and, while nobody listens, wakes every waiter once a
    /// `fallbackInterval`. One task for all waiters: a wait costs nothing while it lasts.
    private func keepTime() async {
        let tick = timing.tick.nanoseconds, fallback = timing.fallbackInterval.nanoseconds
        while !Task.isCancelled {
            do { try await sleep(timing.tick) } catch { return }
            let now = elapsed().nanoseconds
            resume(state.withLock { $0.expire(now: now, tick: tick, fallbackInterval: fallback) })
        }
    }

    /// LISTENs on a leased connection and hands each notification to its waiters; when the
    /// connection fails, waits (250 ms, doubling to 10 s by default) and listens again.
    private func listen() async {
        var delay = timing.firstRetryDelay
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: NotificationRepository.channel) { notifications in
                        // LISTEN took effect: from here nothing is missed, but something may have
                        // been while nobody listened.
                        resume(state.withLock { $0.listening() })
                        logger.info("listening for notifications")
                        delay = timing.firstRetryDelay
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            group.addTask { try await self.checkHealth(of: connection) }
                            for try await notification in notifications {
                                deliver(notification.payload)
                            }
                            group.cancelAll()
                        }
                    }
                }
                if !Task.isCancelled { logger.warning("the notification listener's connection ended") }
            } catch {
                if !Task.isCancelled {
                    logger.warning("the notification listener's connection failed",
                                   metadata: ["error": "\(String(reflecting: error))"])
                }
            }
            let now = elapsed().nanoseconds
            state.withLock { $0.down(now: now) }
            if Task.isCancelled { return }
            do { try await sleep(delay) } catch { return }
            delay = min(delay * 2, timing.maximumRetryDelay)
        }
    }

    /// Asks the listening connection for an answer every `healthCheckInterval`; one that does
    /// not come within `healthCheckTimeout` closes the connection, which ends the listen.
    private func checkHealth(of connection: PostgresConnection) async throws {
        while true {
            try await sleep(timing.healthCheckInterval)
            let logger = self.logger, sleep = self.sleep, timeout = timing.healthCheckTimeout
            let answered = await withTaskGroup(of: Bool.self) { group in
                group.addTask { (try? await connection.query("SELECT 1", logger: logger).collect()) != nil }
                group.addTask {
                    do { try await sleep(timeout) } catch { return true }
                    return false
                }
                let first = await group.next() ?? false
                // Closing fails a query stuck on a dead socket, so the group can end.
                if !first { try? await connection.close() }
                group.cancelAll()
                return first
            }
            if !answered { return }
        }
    }

    private func deliver(_ payload: String) {
        guard let userID = UUID(uuidString: payload) else {
            logger.debug("notification with a payload that is not a user id", metadata: ["payload": "\(payload.prefix(64))"])
            return
        }
        resume(state.withLock { $0.wake(userID, .notified) })
    }

    private func resume(_ woken: [(CheckedContinuation<Wake, Never>, Wake)]) {
        for (continuation, wake) in woken { continuation.resume(returning: wake) }
    }
}

/// One registered wait: whose, and which of theirs (a user may have several tabs open).
struct Ticket: Sendable, Hashable {
    let userID: UUID
    let id: UInt64
}

/// Everything the hub knows, behind its lock. Methods return the continuations to resume,
/// which the hub resumes after unlocking.
struct HubState: ~Copyable {
    enum Phase { case idle, down, listening, finished }

    enum Waiter {
        /// Registered; its task is fetching and has not suspended yet.
        case armed
        /// Woken while armed: the suspension returns at once.
        case woken(NotificationHub.Wake)
        case suspended(CheckedContinuation<NotificationHub.Wake, Never>)
    }

    var phase = Phase.idle
    /// When waiters were last woken to look for themselves (nanoseconds of the hub's clock).
    var lastFallback: Int64 = 0
    private var nextID: UInt64 = 0
    private var waiters: [UUID: [UInt64: Waiter]] = [:]
    private(set) var count = 0
    /// Suspended tickets by the timer tick at which their time is up.
    private var deadlines: [Int64: [Ticket]] = [:]
    private var expiredThrough: Int64 = 0

    typealias Woken = [(CheckedContinuation<NotificationHub.Wake, Never>, NotificationHub.Wake)]

    mutating func arm(_ userID: UUID) -> Ticket {
        nextID &+= 1
        waiters[userID, default: [:]][nextID] = .armed
        count += 1
        return Ticket(userID: userID, id: nextID)
    }

    @discardableResult
    mutating func remove(_ ticket: Ticket) -> Waiter? {
        guard let waiter = waiters[ticket.userID]?.removeValue(forKey: ticket.id) else { return nil }
        if waiters[ticket.userID]?.isEmpty == true { waiters[ticket.userID] = nil }
        count -= 1
        return waiter
    }

    /// Suspends an armed waiter until tick `ceil(deadline / tick)`, or returns why it must not wait.
    mutating func suspend(_ ticket: Ticket, _ continuation: CheckedContinuation<NotificationHub.Wake, Never>,
                          until deadline: Int64, tick: Int64) -> NotificationHub.Wake? {
        switch waiters[ticket.userID]?[ticket.id] {
        case .armed?:
            if phase == .finished {
                remove(ticket)
                return .closing
            }
            waiters[ticket.userID]![ticket.id] = .suspended(continuation)
            let due = max(expiredThrough + 1, (deadline + tick - 1) / tick)
            deadlines[due, default: []].append(ticket)
            return nil
        case .woken(let wake)?:
            remove(ticket)
            return wake
        case .suspended?, nil:
            // Not armed (a second wait on one ticket): a bug, answered harmlessly.
            return .timedOut
        }
    }

    /// The task gave up (its client went away): a suspended waiter is returned to resume;
    /// one not yet suspended will return as soon as it suspends.
    mutating func cancel(_ ticket: Ticket) -> CheckedContinuation<NotificationHub.Wake, Never>? {
        switch waiters[ticket.userID]?[ticket.id] {
        case .suspended(let continuation)?:
            remove(ticket)
            return continuation
        case .armed?:
            waiters[ticket.userID]![ticket.id] = .woken(.timedOut)
            return nil
        case .woken?, nil:
            return nil
        }
    }

    /// Wakes every waiter of `userID`.
    mutating func wake(_ userID: UUID, _ wake: NotificationHub.Wake) -> Woken {
        guard let mine = waiters[userID] else { return [] }
        var woken: Woken = []
        for (id, waiter) in mine {
            switch waiter {
            case .suspended(let continuation):
                remove(Ticket(userID: userID, id: id))
                woken.append((continuation, wake))
            case .armed:
                waiters[userID]![id] = .woken(wake)
            case .woken:
                break
            }
        }
        return woken
    }

    /// Wakes every waiter; `armed` ones too unless only the suspended should look again.
    mutating func wakeAll(_ wake: NotificationHub.Wake, armedToo: Bool) -> Woken {
        var woken: Woken = []
        for (userID, mine) in waiters {
            for (id, waiter) in mine {
                switch waiter {
                case .suspended(let continuation):
                    remove(Ticket(userID: userID, id: id))
                    woken.append((continuation, wake))
                case .armed where armedToo:
                    waiters[userID]![id] = .woken(wake)
                case .armed, .woken:
                    break
                }
            }
        }
        return woken
    }

    /// The timer's round: waits whose tick has come are over; while down, everyone looks again
    /// once a `fallbackInterval`.
    mutating func expire(now: Int64, tick: Int64, fallbackInterval: Int64) -> Woken {
        var woken: Woken = []
        let current = now / tick
        if current > expiredThrough {
            // Usually one tick has passed; after a long stall, visit only the ticks that hold someone.
            let due = current - expiredThrough <= Int64(deadlines.count)
                ? Array(expiredThrough + 1...current) : deadlines.keys.filter { $0 <= current }
            for slot in due {
                for ticket in deadlines.removeValue(forKey: slot) ?? [] {
                    // Woken or cancelled waiters left their ticket here; it is skipped.
                    if case .suspended(let continuation)? = waiters[ticket.userID]?[ticket.id] {
                        remove(ticket)
                        woken.append((continuation, .timedOut))
                    }
                }
            }
            expiredThrough = current
        }
        if phase == .down, now - lastFallback >= fallbackInterval {
            lastFallback = now
            woken += wakeAll(.recheck, armedToo: false)
        }
        return woken
    }

    /// LISTEN took effect: whoever waited while nobody listened looks again.
    mutating func listening() -> Woken {
        phase = .listening
        return wakeAll(.recheck, armedToo: true)
    }

    mutating func down(now: Int64) {
        guard phase == .listening else { return }
        phase = .down
        lastFallback = now
    }

    mutating func finish() -> Woken {
        phase = .finished
        deadlines = [:]
        return wakeAll(.closing, armedToo: true)
    }
}

extension Duration {
    /// Whole nanoseconds (plenty for waits of seconds, and cheap to compare under the lock).
    fileprivate var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
