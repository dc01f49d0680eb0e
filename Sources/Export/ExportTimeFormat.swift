import Domain
import Foundation

/// A moment as a wall clock in the document's zone shows it, to the whole second
/// (fractions are dropped, never rounded up, so a message never appears to be sent
/// in the next second or the next day).
struct LocalTime: Equatable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int
    /// Seconds east of UTC in force at that moment.
    var offsetSeconds: Int

    init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, offsetSeconds: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.offsetSeconds = offsetSeconds
    }

    init(_ date: Date, offsetSeconds: Int) {
        let local = Int64(date.timeIntervalSince1970.rounded(.down)) + Int64(offsetSeconds)
        let secondsOfDay = Int(((local % 86_400) + 86_400) % 86_400)
        let days = Int((local - Int64(secondsOfDay)) / 86_400)
        let civil = Self.civil(fromDays: days)
        self.init(year: civil.year, month: civil.month, day: civil.day, hour: secondsOfDay / 3600,
                  minute: secondsOfDay / 60 % 60, second: secondsOfDay % 60, offsetSeconds: offsetSeconds)
    }

    /// `2026-03-01T10:15:00+08:00`: RFC 3339 with the zone's offset, so a reader in
    /// another zone (or a script) still gets the exact instant. `+00:00` rather than
    /// `Z` so every value has the same shape.
    var rfc3339: String { "\(date)T\(clock)\(offsetLabel)" }

    /// `2026-03-01 10:15:03`: for transcripts, whose file header names the zone once.
    var transcript: String { "\(date) \(clock)" }

    /// `+08:00`.
    var offsetLabel: String {
        let sign = offsetSeconds < 0 ? "-" : "+"
        // Offsets are whole minutes in every zone since the 1970s; a historic
        // seconds part (local mean time) cannot be written in RFC 3339 and is dropped.
        let minutes = abs(offsetSeconds) / 60
        return "\(sign)\(Self.pad(minutes / 60)):\(Self.pad(minutes % 60))"
    }

    private var date: String { "\(Self.pad(year, width: 4))-\(Self.pad(month))-\(Self.pad(day))" }
    private var clock: String { "\(Self.pad(hour)):\(Self.pad(minute)):\(Self.pad(second))" }

    private static func pad(_ value: Int, width: Int = 2) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        RFC3339.civilFromDays(days)
    }
}

/// The document's zone, asked for offsets as rows arrive. Remembers the offset and
/// the next daylight-saving change after it, so a run of rows inside one offset
/// period asks the zone (ICU on Linux) once instead of once per row.
struct ExportClock {
    let timeZone: TimeZone
    private var validFrom: Date = .distantFuture
    private var validUntil: Date = .distantPast
    private var offset = 0

    init(timeZone: TimeZone) {
        self.timeZone = timeZone
    }

    mutating func local(_ date: Date) -> LocalTime {
        if !(date >= validFrom && date < validUntil) {
            offset = timeZone.secondsFromGMT(for: date)
            validFrom = date
            // No further change (a fixed-offset zone, or one that dropped DST):
            // the offset holds for every later moment.
            validUntil = timeZone.nextDaylightSavingTimeTransition(after: date) ?? .distantFuture
        }
        return LocalTime(date, offsetSeconds: offset)
    }
}
