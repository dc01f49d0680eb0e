import Foundation

/// A request type whose members may be sent as JSON `null` (meaning "clear it"); in
/// every other member `null` is refused, since it would otherwise silently read as absent.
protocol NullableMembers {
    /// Member names (the last part of a path) that accept `null`.
    static var nullableMembers: Set<String> { get }
}

/// The body rules that the decoder cannot report with a member name. The contract
/// (`openapi.yaml`, "Bodies") states them:
/// - a NUL (`\u0000`) in any string of the body, keys and members the server ignores
///   included, is `400` naming that member (PostgreSQL text cannot hold it, and a body
///   is refused or taken whole);
/// - `null` is accepted only in members the contract marks nullable; in any other member
///   the server reads, `400` naming it (`NullRefusingDecoder`); in members it ignores, ignored;
/// - a number with a fraction (or beyond 64 bits) where a whole number is expected is
///   `400` naming the member.
enum JSONBodyRules {
    /// Scans the raw text once, parsing the tree only if it saw a NUL escape; returns
    /// whether the text holds a `null` literal (then `NullRefusingDecoder` decodes it).
    static func check(_ data: Data) throws -> Bool {
        let (escapedNUL, nullLiteral) = scan(data)
        if escapedNUL, let tree = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
           let field = firstPath(in: tree, where: { value, key in
               (value as? String)?.unicodeScalars.contains { $0.value == 0 } == true
                   || key?.unicodeScalars.contains { $0.value == 0 } == true
           }) {
            throw APIError.badRequest("text must not contain NUL characters (\\u0000)", field: field)
        }
        return nullLiteral
    }

    /// The first number in the body that is not a whole number a 64-bit integer holds.
    static func numberThatIsNotAWholeNumber(in data: Data) -> String? {
        guard let tree = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return nil }
        return firstPath(in: tree) { value, _ in
            guard let number = value as? NSNumber, !(value is String) else { return false }
            let double = number.doubleValue
            return double != double.rounded() || abs(double) >= 9.2e18
        }
    }

    /// Whether the text has a `\u0000` escape inside a string, and a `null` literal outside one.
    static func scan(_ data: Data) -> (escapedNUL: Bool, nullLiteral: Bool) {
        var escapedNUL = false
        var nullLiteral = false
        var inString = false
        let nul = Array("u0000".utf8)
        let null = Array("null".utf8)
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if inString {
                    if byte == UInt8(ascii: "\\") {
                        if !escapedNUL, index + nul.count < bytes.count,
                           (0..<nul.count).allSatisfy({ bytes[index + 1 + $0] == nul[$0] }) {
                            escapedNUL = true
                        }
                        index += 2  // an escape is two characters at least; `\\` is a literal backslash
                        continue
                    }
                    if byte == UInt8(ascii: "\"") { inString = false }
                } else if byte == UInt8(ascii: "\"") {
                    inString = true
                } else if byte == UInt8(ascii: "n"), index + null.count <= bytes.count,
                          (0..<null.count).allSatisfy({ bytes[index + $0] == null[$0] }) {
                    nullLiteral = true
                }
                index += 1
            }
        }
        return (escapedNUL, nullLiteral)
    }

    /// The path (`messages[3].text`) of the first value, in document-independent order
    /// (object keys sorted), for which `matches(value, memberName)` holds.
    static func firstPath(in tree: Any, where matches: (Any, String?) -> Bool) -> String? {
        func walk(_ value: Any, path: String, key: String?) -> String? {
            if matches(value, key) { return path.isEmpty ? nil : path }
            if let object = value as? [String: Any] {
                for name in object.keys.sorted() {
                    if let found = walk(object[name]!, path: path.isEmpty ? name : "\(path).\(name)", key: name) { return found }
                }
            } else if let array = value as? [Any] {
                for (index, element) in array.enumerated() {
                    if let found = walk(element, path: "\(path)[\(index)]", key: nil) { return found }
                }
            }
            return nil
        }
        return walk(tree, path: "", key: nil)
    }
}
