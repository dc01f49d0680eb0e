import Domain
import Foundation
import Hummingbird

/// Typed access to the query string; every malformed value is a 400 naming the parameter.
struct QueryParameters {
    private let parameters: Hummingbird.Parameters

    init(_ request: Request) {
        self.parameters = request.uri.queryParameters
    }

    func string(_ name: String, maxLength: Int = 200) throws -> String? {
        guard let value = parameters.get(name) else { return nil }
        guard value.count <= maxLength else {
            throw APIError.badRequest("at most \(maxLength) characters", field: "query.\(name)")
        }
        guard !value.unicodeScalars.contains(where: { $0.value == 0 }) else {
            throw APIError.badRequest("must not contain NUL characters", field: "query.\(name)")
        }
        return value
    }

    func enumeration<T: RawRepresentable & CaseIterable>(_ name: String, as type: T.Type) throws -> T? where T.RawValue == String {
        guard let value = try string(name) else { return nil }
        guard let parsed = T(rawValue: value) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw APIError.badRequest("must be one of: \(allowed)", field: "query.\(name)")
        }
        return parsed
    }

    func uuid(_ name: String) throws -> UUID? {
        guard let value = try string(name) else { return nil }
        guard let id = UUID(uuidString: value) else { throw APIError.badRequest("must be a UUID", field: "query.\(name)") }
        return id
    }

    /// Comma-separated UUIDs: `tagIds=a,b`.
    func uuidList(_ name: String, maximum: Int) throws -> [UUID]? {
        guard let value = try string(name, maxLength: 40 * maximum) else { return nil }
        let parts = value.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count <= maximum else { throw APIError.badRequest("at most \(maximum) ids", field: "query.\(name)") }
        return try parts.map { part in
            guard let id = UUID(uuidString: String(part)) else {
                throw APIError.badRequest("must be comma-separated UUIDs", field: "query.\(name)")
            }
            return id
        }
    }

    func boolean(_ name: String) throws -> Bool? {
        guard let value = try string(name) else { return nil }
        switch value {
        case "true": return true
        case "false": return false
        default: throw APIError.badRequest("must be true or false", field: "query.\(name)")
        }
    }

    func date(_ name: String) throws -> Date? {
        guard let value = try string(name) else { return nil }
        guard let date = Timestamps.parse(value) else {
            throw APIError.badRequest("must be an RFC 3339 date-time", field: "query.\(name)")
        }
        return date
    }

    func cursor() throws -> KeysetCursor? {
        guard let value = try string("cursor") else { return nil }
        guard let cursor = KeysetCursor(encoded: value) else { throw APIError.badRequest("not a cursor this API issued", field: "query.cursor") }
        return cursor
    }

    func limit(default defaultValue: Int = 50, maximum: Int = 200) throws -> Int {
        guard let value = try string("limit") else { return defaultValue }
        guard let limit = Int(value), (1...maximum).contains(limit) else {
            throw APIError.badRequest("must be a whole number from 1 to \(maximum)", field: "query.limit")
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
