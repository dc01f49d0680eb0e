import Domain
import Foundation
import Hummingbird

/// Typed access to the query string; every malformed value is a 400 naming the parameter.
///
/// The query is decoded here, not by Hummingbird: as HTML forms, `URLSearchParams` and
/// Python's `requests` send it, `+` is a space (`q=Tom+Baker`), and a malformed
/// percent-escape (`%ZZ`) is refused rather than searched for as literal text.
/// Lengths are counted in Unicode code points, as the contract's `maxLength` is.
struct QueryParameters {
    private let parameters: [String: String]
    /// The first parameter that was not well-formed, reported when any parameter is read.
    private let malformed: String?
    /// Where the parameters came from, for error fields: `query.` for the query string,
    /// `filter.` for an export's filter object (the same parameters, as JSON strings).
    let fieldPrefix: String

    /// Parameters given as a JSON object of strings (an export's `filter`).
    init(values: [String: String], fieldPrefix: String) {
        parameters = values
        malformed = nil
        self.fieldPrefix = fieldPrefix
    }

    /// The error field naming parameter `name`.
    func field(_ name: String) -> String { fieldPrefix + name }

    /// Parameter names present, for refusing unknown ones where the caller sent an object.
    var names: Set<String> { Set(parameters.keys) }

    init(_ request: Request) {
        fieldPrefix = "query."
        var parameters: [String: String] = [:]
        var malformed: String?
        for pair in (request.uri.query ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.formDecode(parts[0]) else {
                malformed = malformed ?? String(parts[0])
                continue
            }
            guard let value = parts.count > 1 ? Self.formDecode(parts[1]) : "" else {
                malformed = malformed ?? name
                continue
            }
            // The first occurrence of a parameter counts, as before.
            if parameters[name] == nil { parameters[name] = value }
        }
        self.parameters = parameters
        self.malformed = malformed
    }

    /// `application/x-www-form-urlencoded` decoding: `+` is a space, `%XX` a byte, and the
    /// bytes must be UTF-8. `nil` for a broken escape or invalid UTF-8.
    static func formDecode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        func hex(_ byte: UInt8?) -> UInt8? {
            guard let byte else { return nil }
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = hex(iterator.next()), let low = hex(iterator.next()) else { return nil }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    func string(_ name: String, maxLength: Int = 200) throws -> String? {
        if let malformed {
            throw APIError.badRequest("not valid percent-encoding or UTF-8", field: field(malformed))
        }
        guard let value = parameters[name] else { return nil }
        guard value.unicodeScalars.count <= maxLength else {
            throw APIError.badRequest("at most \(maxLength) characters", field: field(name))
        }
        guard !value.unicodeScalars.contains(where: { $0.value == 0 }) else {
            throw APIError.badRequest("must not contain NUL characters", field: field(name))
        }
        return value
    }

    func enumeration<T: RawRepresentable & CaseIterable>(_ name: String, as type: T.Type) throws -> T? where T.RawValue == String {
        guard let value = try string(name) else { return nil }
        guard let parsed = T(rawValue: value) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw APIError.badRequest("must be one of: \(allowed)", field: field(name))
        }
        return parsed
    }

    func uuid(_ name: String) throws -> UUID? {
        guard let value = try string(name) else { return nil }
        guard let id = UUID(uuidString: value) else { throw APIError.badRequest("must be a UUID", field: field(name)) }
        return id
    }

    /// Comma-separated UUIDs: `tagIds=a,b`.
    func uuidList(_ name: String, maximum: Int) throws -> [UUID]? {
        guard let value = try string(name, maxLength: 40 * maximum) else { return nil }
        let parts = value.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count <= maximum else { throw APIError.badRequest("at most \(maximum) ids", field: field(name)) }
        return try parts.map { part in
            guard let id = UUID(uuidString: String(part)) else {
                throw APIError.badRequest("must be comma-separated UUIDs", field: field(name))
            }
            return id
        }
    }

    func boolean(_ name: String) throws -> Bool? {
        guard let value = try string(name) else { return nil }
        switch value {
        case "true": return true
        case "false": return false
        default: throw APIError.badRequest("must be true or false", field: field(name))
        }
    }

    func date(_ name: String) throws -> Date? {
        guard let value = try string(name) else { return nil }
        guard let date = RFC3339.parse(value) else {
            throw APIError.badRequest("must be an RFC 3339 date-time", field: field(name))
        }
        return date
    }

    func cursor() throws -> KeysetCursor? {
        guard let value = try string("cursor") else { return nil }
        guard let cursor = KeysetCursor(encoded: value) else { throw APIError.badRequest("not a cursor this API issued", field: field("cursor")) }
        return cursor
    }

    func limit(default defaultValue: Int = 50, maximum: Int = 200) throws -> Int {
        guard let value = try string("limit") else { return defaultValue }
        guard let limit = Int(value), (1...maximum).contains(limit) else {
            throw APIError.badRequest("must be a whole number from 1 to \(maximum)", field: field("limit"))
        }
        return limit
    }
}

extension Request {
    /// A UUID path parameter; anything else is a 404 (no such resource), not a 400.
    func pathID(_ name: String, context: AppRequestContext, what: String) throws -> UUID {
        guard let value = context.parameters.get(name), let id = UUID(uuidString: value) else {
            throw APIError.notFound(what)
        }
        return id
    }
}
