import Foundation

/// Makes time-ordered UUIDs (RFC 9562 version 7), so ids sort by creation time and
/// keyset pagination on `(time, id)` is stable. Injected so tests control time.
public struct IDGenerator: Sendable {
    private let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    public func make() -> UUID {
        Self.uuidV7(at: now())
    }

    /// A version 7 UUID for a given instant: 48 bits of Unix milliseconds, then random bits.
    public static func uuidV7(at date: Date) -> UUID {
        let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 {
            bytes[i] = UInt8(truncatingIfNeeded: millis >> (8 * UInt64(5 - i)))
        }
        var generator = SystemRandomNumberGenerator()
        for i in 6..<16 {
            bytes[i] = UInt8.random(in: 0...255, using: &generator)
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x70  // version 7
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122 variant
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}

/// The service's notion of "now", injected so retention, expiry and lockouts can be tested without sleeping.
public struct Clock: Sendable {
    public let now: @Sendable () -> Date
    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }
    public static let system = Clock()
}
