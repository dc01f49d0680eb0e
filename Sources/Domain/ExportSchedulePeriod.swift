import Foundation

/// How often a scheduled export runs.
public enum ExportFrequency: String, Sendable, Codable, CaseIterable {
    case daily, weekly, monthly
}

/// The conversations a scheduled run exports, by their start, relative to the run's
/// scheduled instant in the tenant's zone: the day before the run's day, the Monday–Sunday
/// week before the run's week, or the calendar month before the run's month.
public enum ExportWindow: String, Sendable, Codable, CaseIterable {
    case previousDay = "previous_day"
    case previousWeek = "previous_week"
    case previousMonth = "previous_month"

    /// The window a schedule gets when it names none: the period it runs for.
    public static func matching(_ frequency: ExportFrequency) -> ExportWindow {
        switch frequency {
        case .daily: .previousDay
        case .weekly: .previousWeek
        case .monthly: .previousMonth
        }
    }

    /// Whether every run of `frequency` gets a window of its own. A window longer than the
    /// period (a daily run of the previous week) would be the same for several runs, and a
    /// window is exported once per schedule.
    public func fits(_ frequency: ExportFrequency) -> Bool {
        switch (frequency, self) {
        case (.daily, .previousDay), (.weekly, .previousDay), (.weekly, .previousWeek), (.monthly, _): true
        default: false
        }
    }
}

/// A day of the week, ISO 8601 numbering (Monday 1 … Sunday 7).
public enum Weekday: String, Sendable, Codable, CaseIterable {
    case monday, tuesday, wednesday, thursday, friday, saturday, sunday

    public var isoNumber: Int { Self.allCases.firstIndex(of: self)! + 1 }

    public init?(isoNumber: Int) {
        guard (1...7).contains(isoNumber) else { return nil }
        self = Self.allCases[isoNumber - 1]
    }
}

/// A wall-clock time of day, `HH:MM`.
public struct LocalTime: Sendable, Equatable, Hashable, Codable {
    public let hour: Int
    public let minute: Int

    public init?(hour: Int, minute: Int) {
        guard (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        self.hour = hour
        self.minute = minute
    }

    /// `HH:MM` exactly (two digits each, 00:00 – 23:59).
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        func digit(_ index: Int) -> Int? {
            let byte = bytes[index]
            return (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
        }
        guard bytes.count == 5, bytes[2] == UInt8(ascii: ":"),
              let h1 = digit(0), let h2 = digit(1), let m1 = digit(3), let m2 = digit(4) else { return nil }
        self.init(hour: h1 * 10 + h2, minute: m1 * 10 + m2)
    }

    public var text: String { String(format: "%02d:%02d", hour, minute) }
    var secondsIntoDay: Int { hour * 3_600 + minute * 60 }
}

/// When a scheduled export runs, and what each run covers: pure calendar arithmetic in an
/// IANA zone, with no I/O.
///
/// Time zones are honoured through `TimeZone.secondsFromGMT(for:)` alone, so changes of
/// offset are handled the same way whatever their cause (summer time, a zone changing its
/// standard offset, a skipped day):
/// - a local time that does not exist on a day (it falls in a gap, e.g. 02:30 on the day
///   Europe/Berlin springs forward) runs at the next valid minute (03:00 that day);
/// - a local time that occurs twice (02:30 on the day Berlin falls back) runs at the first.
public struct ExportSchedulePeriod: Sendable, Equatable {
    public enum Recurrence: Sendable, Equatable {
        case daily
        case weekly(Weekday)
        /// A day of the month, 1–28 (every month has it).
        case monthly(day: Int)
    }

    public let recurrence: Recurrence
    public let time: LocalTime

    public static let dayOfMonthRange = 1...28

    /// `nil` for a monthly day outside 1–28.
    public init?(_ recurrence: Recurrence, at time: LocalTime) {
        if case .monthly(let day) = recurrence, !Self.dayOfMonthRange.contains(day) { return nil }
        self.recurrence = recurrence
        self.time = time
    }

    public var frequency: ExportFrequency {
        switch recurrence {
        case .daily: .daily
        case .weekly: .weekly
        case .monthly: .monthly
        }
    }

    /// The first scheduled instant strictly after `instant`.
    public func nextRun(after instant: Date, in zone: TimeZone) -> Date {
        // Local days forwards from the day before `instant`'s (a late-evening run pushed over
        // midnight by a gap can come after `instant`); a monthly day recurs within 31 days,
        // so 70 days always hold the answer.
        let start = CivilDate.local(instant, zone).adding(days: -1)
        for offset in 0..<70 {
            let day = start.adding(days: offset)
            guard matches(day) else { continue }
            let run = CivilDate.instant(day, secondsIntoDay: time.secondsIntoDay, zone)
            if run > instant { return run }
        }
        preconditionFailure("no scheduled instant within 70 days of \(instant)")
    }

    /// The latest scheduled instant at or before `now`, starting from `due` (the stored
    /// next run): a schedule missed for several periods runs only the latest of them.
    /// `due` itself when it is not yet past.
    public func latestRun(due: Date, notAfter now: Date, in zone: TimeZone) -> Date {
        guard due < now else { return due }
        let end = CivilDate.local(now, zone).adding(days: 1)
        for offset in 0..<70 {
            let day = end.adding(days: -offset)
            guard matches(day) else { continue }
            let run = CivilDate.instant(day, secondsIntoDay: time.secondsIntoDay, zone)
            if run <= now { return max(run, due) }
        }
        return due
    }

    private func matches(_ day: CivilDate) -> Bool {
        switch recurrence {
        case .daily: true
        case .weekly(let weekday): day.isoWeekday == weekday.isoNumber
        case .monthly(let dayOfMonth): day.day == dayOfMonth
        }
    }

    /// The conversations (by start) a run scheduled at `run` covers: from the start of the
    /// window's first local day (inclusive) to the start of the run's day, week or month
    /// (exclusive), in `zone`. A midnight that does not exist (a zone springing forward at
    /// 00:00) is the next valid minute, as for runs.
    public static func window(_ window: ExportWindow, forRunAt run: Date, in zone: TimeZone) -> DateInterval {
        let day = CivilDate.local(run, zone)
        let (first, end): (CivilDate, CivilDate)
        switch window {
        case .previousDay:
            (first, end) = (day.adding(days: -1), day)
        case .previousWeek:
            let monday = day.adding(days: 1 - day.isoWeekday)
            (first, end) = (monday.adding(days: -7), monday)
        case .previousMonth:
            let month = CivilDate(year: day.year, month: day.month, day: 1)
            (first, end) = (month.addingMonths(-1), month)
        }
        return DateInterval(start: CivilDate.instant(first, secondsIntoDay: 0, zone),
                            end: CivilDate.instant(end, secondsIntoDay: 0, zone))
    }
}

/// A proleptic Gregorian date, with the day arithmetic schedules need (Howard Hinnant's
/// days-from-civil algorithms: exact for every date, no calendar object, no zone).
struct CivilDate: Sendable, Equatable, Comparable {
    let year: Int
    let month: Int
    let day: Int

    init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Days since 1970-01-01.
    init(days: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }

    var days: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// ISO 8601: Monday 1 … Sunday 7 (1970-01-01 was a Thursday).
    var isoWeekday: Int { Self.floorMod(days + 3, 7) + 1 }

    func adding(days count: Int) -> CivilDate { CivilDate(days: days + count) }

    /// The same day `count` months later; only used on the 1st.
    func addingMonths(_ count: Int) -> CivilDate {
        let index = year * 12 + (month - 1) + count
        return CivilDate(year: Self.floorDiv(index, 12), month: Self.floorMod(index, 12) + 1, day: day)
    }

    static func < (a: CivilDate, b: CivilDate) -> Bool { a.days < b.days }

    /// The local date of `instant` in `zone`.
    static func local(_ instant: Date, _ zone: TimeZone) -> CivilDate {
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down)) + zone.secondsFromGMT(for: instant)
        return CivilDate(days: floorDiv(seconds, 86_400))
    }

    /// The instant the wall clock in `zone` shows `day` at `secondsIntoDay`: the first of two
    /// when the time occurs twice, the end of the gap (the next valid minute) when it does not
    /// occur at all.
    static func instant(_ day: CivilDate, secondsIntoDay: Int, _ zone: TimeZone) -> Date {
        let wall = day.days * 86_400 + secondsIntoDay
        // The offsets in force around that wall time: sampled a day and a half either side,
        // which brackets any change of offset affecting it.
        var offsets: [Int] = []
        for probe in [-129_600, 0, 129_600] {
            let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(wall + probe)))
            if !offsets.contains(offset) { offsets.append(offset) }
        }
        let candidates = offsets.map { wall - $0 }
        let valid = candidates.filter { zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval($0))) == wall - $0 }
        if let first = valid.min() { return Date(timeIntervalSince1970: TimeInterval(first)) }
        // A gap: the offset changes between the earliest and latest candidate; the change is
        // the first instant whose wall time comes after the gap.
        var low = candidates.min()!, high = candidates.max()!
        let before = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(low)))
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(middle))) == before {
                low = middle
            } else {
                high = middle
            }
        }
        // `high` is the first second of the new offset; runs fall on whole minutes.
        let minute = (high + 59) / 60 * 60
        return Date(timeIntervalSince1970: TimeInterval(minute))
    }

    static func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
    static func floorMod(_ a: Int, _ b: Int) -> Int { a - floorDiv(a, b) * b }
}
