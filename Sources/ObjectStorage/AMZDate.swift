#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The `20130524T000000Z` timestamp and `20130524` date SigV4 signs with.
///
/// Formatted with `gmtime_r` rather than a `DateFormatter`: on Linux those are ICU
/// underneath, costly to create and locale-sensitive (see ARCHITECTURE.md, "Dates").
struct AMZDate: Sendable, Equatable {
    /// `yyyyMMdd'T'HHmmss'Z'` in UTC.
    let timestamp: String
    /// `yyyyMMdd` in UTC: the date in the credential scope.
    let day: String

    init(_ date: Date) {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        day = pad(parts.tm_year + 1900, 4) + pad(parts.tm_mon + 1, 2) + pad(parts.tm_mday, 2)
        timestamp = day + "T" + pad(parts.tm_hour, 2) + pad(parts.tm_min, 2) + pad(parts.tm_sec, 2) + "Z"
    }
}
