import Domain
import Foundation

/// Dates and times as the transcript shows them, in the document's time zone.
///
/// Integer arithmetic on the zone's offset rather than a DateFormatter: measured on Linux,
/// `secondsFromGMT(for:)` takes ~0.1 µs and a DateFormatter ~3.5 µs a stamp. Either is small
/// next to the ~100 µs Pango and cairo spend on a message, so this is about not needing a
/// formatter (and its locale) at all; the zone's own rules still decide the offset.
struct PDFClock {
    let timeZone: TimeZone

    /// A moment split into the local day (days since 1970-01-01) and the second of that day.
    struct Stamp: Equatable {
        var day: Int
        var second: Int
    }

    func stamp(_ date: Date) -> Stamp {
        let local = Int(date.timeIntervalSince1970.rounded(.down)) + timeZone.secondsFromGMT(for: date)
        let day = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        return Stamp(day: day, second: local - day * 86_400)
    }

    /// `yyyy-MM-dd`.
    func date(_ stamp: Stamp) -> String {
        let (y, m, d) = Self.civil(fromDays: stamp.day)
        return "\(Self.padded(y, 4))-\(Self.padded(m, 2))-\(Self.padded(d, 2))"
    }

    /// `HH:mm:ss`.
    func time(_ stamp: Stamp) -> String {
        "\(Self.padded(stamp.second / 3600, 2)):\(Self.padded(stamp.second / 60 % 60, 2)):\(Self.padded(stamp.second % 60, 2))"
    }

    /// `yyyy-MM-dd HH:mm:ss`.
    func dateTime(_ date: Date) -> String {
        let s = stamp(date)
        return "\(self.date(s)) \(time(s))"
    }

    private static func padded(_ n: Int, _ width: Int) -> String {
        let digits = String(n)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    static func civil(fromDays days: Int) -> (Int, Int, Int) {
        RFC3339.civilFromDays(days)
    }
}
