import Foundation

/// A keyset position `(time, id)` handed to clients as an opaque string.
/// Pagination never uses OFFSET: a page continues strictly after its cursor.
public struct KeysetCursor: Sendable, Equatable {
    /// Microseconds since 1970: PostgreSQL's timestamptz precision, kept as an integer so
    /// that the position survives the round trip exactly. (A `Date` is a Double; sent
    /// back to PostgreSQL it can land a microsecond early, and a page would repeat a row.)
    public let microseconds: Int64
    public let id: UUID

    public var time: Date { Date(timeIntervalSince1970: Double(microseconds) / 1_000_000) }

    public init(time: Date, id: UUID) {
        self.microseconds = Int64((time.timeIntervalSince1970 * 1_000_000).rounded())
        self.id = id
    }

    public var encoded: String {
        let raw = "\(microseconds).\(id.uuidString.lowercased())"
        return Data(raw.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public init?(encoded: String) {
        guard encoded.count <= 128 else { return nil }
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let raw = String(data: data, encoding: .utf8) else { return nil }
        let parts = raw.split(separator: ".", maxSplits: 1)
        // Years 1970–9999: PostgreSQL's timestamp range, so a forged cursor cannot overflow a query.
        guard parts.count == 2, let micros = Int64(parts[0]), (0...253_402_300_799_999_999).contains(micros),
              let id = UUID(uuidString: String(parts[1])) else { return nil }
        self.microseconds = micros
        self.id = id
    }
}
