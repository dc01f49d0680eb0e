import Domain
import Foundation
import HTTPTypes
import Hummingbird

/// Reads request bodies and writes response bodies as JSON.
///
/// Our own decoding (not `request.decode`) so that every way a body can be wrong —
/// not JSON, invalid UTF-8, wrong types, missing fields, too large — becomes a 4xx
/// problem that names the offending field.
enum JSONBody {
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        if let contentType = request.headers[.contentType], !isJSON(contentType) {
            throw APIError.unsupportedMediaType
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch let error as HTTPResponseError where error.status == .contentTooLarge {
            throw APIError.payloadTooLarge(limit: limit)
        }
        let data = Data(buffer: buffer)
        guard !data.isEmpty else { throw APIError.badRequest("the request needs a JSON body") }
        // Foundation's decoder would replace invalid UTF-8 in some paths; refuse it outright.
        guard String(validating: data, as: UTF8.self) != nil else {
            throw APIError.badRequest("the body is not valid UTF-8")
        }
        // Rules the decoder cannot tell apart, checked on the raw text first (one pass,
        // and a parse of the tree only when something was seen) so each names its member.
        let hasNull = try JSONBodyRules.check(data)
        do {
            guard hasNull else { return try decoder.decode(T.self, from: data) }
            let refusing = makeDecoder()
            refusing.userInfo[NullRefusingBody<T>.nullableKey] = (T.self as? NullableMembers.Type)?.nullableMembers ?? Set<String>()
            return try refusing.decode(NullRefusingBody<T>.self, from: data).value
        } catch let refusal as NullRefusal {
            throw APIError.badRequest("must not be null: leave the member out instead", field: refusal.path)
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty,
               let field = JSONBodyRules.numberThatIsNotAWholeNumber(in: data) {
                // The decoder reports a fraction or an out-of-range number in an integer
                // member as "not valid JSON", with no path; every number we take is whole.
                throw APIError.badRequest("expected a whole number", field: field)
            }
            throw APIError.badRequest(describe(error), field: path(of: error))
        } catch let error as ValidationError {
            throw error
        } catch {
            throw APIError.badRequest("the body is not valid JSON")
        }
    }

    /// `application/json`, optionally with parameters (`; charset=utf-8`); nothing that
    /// merely starts with it (`application/jsonfoo`).
    static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]
        return mediaType.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }

    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(LowercaseUUIDs(value: value))
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static let decoder = makeDecoder()

    static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = RFC3339.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected an RFC 3339 date-time, got '\(text)'")
            }
            return date
        }
        return decoder
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339.format(date))
        }
        return encoder
    }()

    private static func path(of error: DecodingError) -> String? {
        let codingPath: [any CodingKey]
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            codingPath = context.codingPath
        case .keyNotFound(let key, let context):
            codingPath = context.codingPath + [key]
        @unknown default:
            return nil
        }
        guard !codingPath.isEmpty else { return nil }
        return path(codingPath)
    }

    /// `messages[3].customer.name` for a decoder's coding path.
    static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.reduce(into: "") { path, key in
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += path.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(let type, _): return "expected \(jsonName(of: type))"
        case .valueNotFound(let type, _): return "expected \(jsonName(of: type)), got null"
        case .keyNotFound(let key, _): return "'\(key.stringValue)' is required"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "the body is not valid JSON" }
            // Foundation's wording for a malformed UUID ("Attempted to decode UUID from
            // invalid UUID string.") is not ours to show.
            return context.debugDescription.contains("UUID") ? "expected a UUID" : context.debugDescription
        @unknown default: return "the body does not match the schema"
        }
    }

    private static func jsonName(of type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Double.Type: return "a number"
        case is Bool.Type: return "a boolean"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "a value of another type"
        }
    }
}
