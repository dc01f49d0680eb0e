import Foundation
import Synchronization

/// The month partitions of `messages` this process has seen created and committed, so
/// ingestion stops asking for them on every batch (a transaction of its own and a call
/// per month). Only recent months are remembered: nothing ever drops those, while an old
/// month could one day be dropped by another process's retention job.
public final class KnownPartitions: Sendable {
    private let months = Mutex<Set<Date>>([])

    public init() {}

    /// The months of `dates` (UTC month starts) not known to exist.
    func unknown(among dates: [Date]) -> Set<Date> {
        let wanted = Set(dates.map(Self.monthStart))
        return months.withLock { wanted.subtracting($0) }
    }

    /// Remembers months whose partitions a committed transaction ensured.
    func remember(_ created: Set<Date>, now: Date) {
        let oldestRemembered = Self.monthStart(now.addingTimeInterval(-40 * 86_400))
        months.withLock { $0.formUnion(created.filter { $0 >= oldestRemembered }) }
    }

    static func monthStart(_ date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.dateInterval(of: .month, for: date)!.start
    }
}
