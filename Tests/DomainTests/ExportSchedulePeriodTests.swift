import Domain
import Foundation
import Testing

/// When scheduled exports run and what each run covers, in a zone with summer time
/// (Europe/Berlin: forward 02:00 → 03:00 on 2024-03-31, back 03:00 → 02:00 on 2024-10-27),
/// one without (Asia/Shanghai, UTC+8 all year) and one that springs forward at midnight
/// (America/Santiago, 2024-09-08 00:00 → 01:00).
@Suite("Export schedule periods")
struct ExportSchedulePeriodTests {
    static let berlin = TimeZone(identifier: "Europe/Berlin")!
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    static let santiago = TimeZone(identifier: "America/Santiago")!

    static func utc(_ text: String) -> Date { RFC3339.parse(text)! }
    /// `2024-03-31T01:00:00Z`: runs and windows fall on whole minutes.
    static func text(_ date: Date) -> String { RFC3339.format(date).replacingOccurrences(of: ".000Z", with: "Z") }

    static func period(_ recurrence: ExportSchedulePeriod.Recurrence, _ time: String) -> ExportSchedulePeriod {
        ExportSchedulePeriod(recurrence, at: LocalTime(time)!)!
    }

    /// The next `count` runs after `start`.
    static func runs(_ period: ExportSchedulePeriod, after start: String, _ zone: TimeZone, count: Int) -> [String] {
        var instant = utc(start)
        var runs: [String] = []
        for _ in 0..<count {
            instant = period.nextRun(after: instant, in: zone)
            runs.append(text(instant))
        }
        return runs
    }

    @Test("daily in Shanghai: across a leap day's month end and the year end, always 8 hours before UTC's wall clock")
    func dailyShanghai() {
        #expect(Self.runs(Self.period(.daily, "00:30"), after: "2024-02-28T17:00:00Z", Self.shanghai, count: 2)
                == ["2024-02-29T16:30:00Z", "2024-03-01T16:30:00Z"])
        #expect(Self.runs(Self.period(.daily, "23:59"), after: "2024-12-30T15:59:00Z", Self.shanghai, count: 2)
                == ["2024-12-31T15:59:00Z", "2025-01-01T15:59:00Z"])
        // Strictly after: a run's own instant gives the next one.
        #expect(Self.runs(Self.period(.daily, "09:00"), after: "2024-03-01T01:00:00Z", Self.shanghai, count: 1)
                == ["2024-03-02T01:00:00Z"])
    }

    @Test("weekly and monthly in Shanghai, over month and year ends")
    func weeklyMonthlyShanghai() {
        // 2025-01-03 is a Friday.
        #expect(Self.runs(Self.period(.weekly(.friday), "18:00"), after: "2024-12-27T10:00:00Z", Self.shanghai, count: 2)
                == ["2025-01-03T10:00:00Z", "2025-01-10T10:00:00Z"])
        #expect(Self.runs(Self.period(.monthly(day: 28), "09:00"), after: "2024-01-28T01:00:00Z", Self.shanghai, count: 3)
                == ["2024-02-28T01:00:00Z", "2024-03-28T01:00:00Z", "2024-04-28T01:00:00Z"])
        #expect(Self.runs(Self.period(.monthly(day: 1), "00:00"), after: "2024-11-15T00:00:00Z", Self.shanghai, count: 3)
                == ["2024-11-30T16:00:00Z", "2024-12-31T16:00:00Z", "2025-01-31T16:00:00Z"])
    }

    @Test("daily in Berlin across both summer-time changes: the local time is kept, the UTC instant moves")
    func dailyBerlinKeepsLocalTime() {
        #expect(Self.runs(Self.period(.daily, "09:00"), after: "2024-03-30T00:00:00Z", Self.berlin, count: 2)
                == ["2024-03-30T08:00:00Z", "2024-03-31T07:00:00Z"])
        #expect(Self.runs(Self.period(.daily, "09:00"), after: "2024-10-26T00:00:00Z", Self.berlin, count: 2)
                == ["2024-10-26T07:00:00Z", "2024-10-27T08:00:00Z"])
    }

    @Test("a local time that does not exist that day (Berlin, 02:30 on 2024-03-31) runs at the next valid minute, 03:00")
    func gapRunsAtTheNextValidMinute() {
        #expect(Self.runs(Self.period(.daily, "02:30"), after: "2024-03-30T12:00:00Z", Self.berlin, count: 2)
                == ["2024-03-31T01:00:00Z", "2024-04-01T00:30:00Z"])
        // 2024-03-31 is a Sunday.
        #expect(Self.runs(Self.period(.weekly(.sunday), "02:00"), after: "2024-03-25T00:00:00Z", Self.berlin, count: 2)
                == ["2024-03-31T01:00:00Z", "2024-04-07T00:00:00Z"])
    }

    @Test("a local time that occurs twice (Berlin, 02:30 on 2024-10-27) runs once, at the first")
    func ambiguousRunsAtTheFirst() {
        let period = Self.period(.daily, "02:30")
        #expect(Self.runs(period, after: "2024-10-26T12:00:00Z", Self.berlin, count: 2)
                == ["2024-10-27T00:30:00Z", "2024-10-28T01:30:00Z"])
        // From between the two occurrences, the second is not a run of its own.
        #expect(Self.text(period.nextRun(after: Self.utc("2024-10-27T01:00:00Z"), in: Self.berlin)) == "2024-10-28T01:30:00Z")
    }

    @Test("weekly and monthly in Berlin over the year end")
    func weeklyMonthlyBerlin() {
        // 2024-12-30 and 2025-01-06 are Mondays.
        #expect(Self.runs(Self.period(.weekly(.monday), "08:00"), after: "2024-12-24T00:00:00Z", Self.berlin, count: 2)
                == ["2024-12-30T07:00:00Z", "2025-01-06T07:00:00Z"])
        #expect(Self.runs(Self.period(.monthly(day: 28), "23:30"), after: "2024-11-28T22:30:00Z", Self.berlin, count: 3)
                == ["2024-12-28T22:30:00Z", "2025-01-28T22:30:00Z", "2025-02-28T22:30:00Z"])
        // A monthly run across the summer-time change keeps its local time.
        #expect(Self.runs(Self.period(.monthly(day: 15), "12:00"), after: "2024-03-01T00:00:00Z", Self.berlin, count: 2)
                == ["2024-03-15T11:00:00Z", "2024-04-15T10:00:00Z"])
    }

    @Test("the previous day, Monday–Sunday week and month, from local midnight to local midnight")
    func windows() {
        func window(_ kind: ExportWindow, _ run: String, _ zone: TimeZone) -> [String] {
            let interval = ExportSchedulePeriod.window(kind, forRunAt: Self.utc(run), in: zone)
            return [Self.text(interval.start), Self.text(interval.end)]
        }
        // Shanghai, 2024-03-01 00:30 local: the leap day.
        #expect(window(.previousDay, "2024-02-29T16:30:00Z", Self.shanghai) == ["2024-02-28T16:00:00Z", "2024-02-29T16:00:00Z"])
        #expect(window(.previousMonth, "2024-02-29T16:30:00Z", Self.shanghai) == ["2024-01-31T16:00:00Z", "2024-02-29T16:00:00Z"])
        // Berlin, Wednesday 2024-04-03: the week of 25–31 March, 167 hours long (summer time began on its Sunday).
        #expect(window(.previousWeek, "2024-04-03T07:00:00Z", Self.berlin) == ["2024-03-24T23:00:00Z", "2024-03-31T22:00:00Z"])
        // Berlin, Monday 2025-01-06 08:00: the week across the year end.
        #expect(window(.previousWeek, "2025-01-06T07:00:00Z", Self.berlin) == ["2024-12-29T23:00:00Z", "2025-01-05T23:00:00Z"])
        // Berlin, 2025-01-01 00:00: December, in the previous year.
        #expect(window(.previousMonth, "2024-12-31T23:00:00Z", Self.berlin) == ["2024-11-30T23:00:00Z", "2024-12-31T23:00:00Z"])
        #expect(window(.previousDay, "2024-12-31T23:00:00Z", Self.berlin) == ["2024-12-30T23:00:00Z", "2024-12-31T23:00:00Z"])
        // Berlin, the day after falling back: that day had 25 hours.
        #expect(window(.previousDay, "2024-10-28T08:00:00Z", Self.berlin) == ["2024-10-26T22:00:00Z", "2024-10-27T23:00:00Z"])
        // Santiago: midnight of 2024-09-08 did not exist; the day began at 01:00 (−03).
        #expect(window(.previousDay, "2024-09-09T12:00:00Z", Self.santiago) == ["2024-09-08T04:00:00Z", "2024-09-09T03:00:00Z"])
    }

    @Test("a schedule missed for several periods runs only the latest one at or before now")
    func latestMissedRun() {
        let daily = Self.period(.daily, "09:00")
        let due = Self.utc("2024-03-01T01:00:00Z")
        #expect(daily.latestRun(due: due, notAfter: Self.utc("2024-03-05T03:00:00Z"), in: Self.shanghai) == Self.utc("2024-03-05T01:00:00Z"))
        // Before today's time: yesterday's.
        #expect(daily.latestRun(due: due, notAfter: Self.utc("2024-03-05T00:30:00Z"), in: Self.shanghai) == Self.utc("2024-03-04T01:00:00Z"))
        // Exactly on time, or not yet due: the due run itself.
        #expect(daily.latestRun(due: due, notAfter: due, in: Self.shanghai) == due)
        #expect(daily.latestRun(due: due, notAfter: Self.utc("2024-02-01T00:00:00Z"), in: Self.shanghai) == due)
        let monthly = Self.period(.monthly(day: 28), "09:00")
        #expect(monthly.latestRun(due: Self.utc("2024-01-28T01:00:00Z"), notAfter: Self.utc("2024-04-10T00:00:00Z"), in: Self.shanghai)
                == Self.utc("2024-03-28T01:00:00Z"))
        // A year down: still only the latest.
        #expect(monthly.latestRun(due: Self.utc("2023-01-28T01:00:00Z"), notAfter: Self.utc("2024-04-10T00:00:00Z"), in: Self.shanghai)
                == Self.utc("2024-03-28T01:00:00Z"))
        // Its next run is then after now: no burst.
        #expect(monthly.nextRun(after: Self.utc("2024-04-10T00:00:00Z"), in: Self.shanghai) == Self.utc("2024-04-28T01:00:00Z"))
    }

    @Test("HH:MM exactly; monthly days 1–28; windows no longer than the period")
    func rules() {
        #expect(LocalTime("00:00") != nil)
        #expect(LocalTime("23:59")?.text == "23:59")
        for bad in ["9:00", "24:00", "12:60", "12:5", "12-30", "１２:００", "", " 12:00", "12:00:00"] {
            #expect(LocalTime(bad) == nil, "\(bad)")
        }
        #expect(ExportSchedulePeriod(.monthly(day: 29), at: LocalTime("09:00")!) == nil)
        #expect(ExportSchedulePeriod(.monthly(day: 0), at: LocalTime("09:00")!) == nil)
        #expect(ExportSchedulePeriod(.monthly(day: 28), at: LocalTime("09:00")!) != nil)
        #expect(Weekday(isoNumber: 1) == .monday && Weekday(isoNumber: 7) == .sunday && Weekday(isoNumber: 8) == nil)
        #expect(ExportWindow.matching(.weekly) == .previousWeek)
        #expect(ExportWindow.previousDay.fits(.daily) && ExportWindow.previousDay.fits(.weekly))
        #expect(!ExportWindow.previousWeek.fits(.daily) && !ExportWindow.previousMonth.fits(.weekly))
        #expect(ExportWindow.allCases.allSatisfy { $0.fits(.monthly) })
    }
}
