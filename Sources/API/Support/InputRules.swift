import Domain
import Foundation

/// Checks shared by request bodies. Each throws `ValidationError` naming the field.
/// Lengths are Unicode code points, as JSON Schema's `maxLength` in the contract counts them.
enum InputRules {
    static func text(_ value: String, field: String, length: ClosedRange<Int>) throws -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard length.contains(trimmed.unicodeScalars.count) else {
            throw ValidationError(field: field, reason: "must be \(length.lowerBound) to \(length.upperBound) characters")
        }
        guard !trimmed.unicodeScalars.contains(where: { $0.value == 0 }) else {
            throw ValidationError(field: field, reason: "must not contain NUL characters")
        }
        return trimmed
    }

    static func optionalText(_ value: String?, field: String, length: ClosedRange<Int>) throws -> String? {
        guard let value else { return nil }
        return try text(value, field: field, length: length)
    }

    static func email(_ value: String, field: String) throws -> String {
        let email = try text(value, field: field, length: 3...254).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !email.contains(" ") else {
            throw ValidationError(field: field, reason: "must be an e-mail address")
        }
        return email
    }

    /// bcrypt reads only a password's first 72 bytes: a longer one would sign in with any
    /// ending, so it is refused rather than silently cut (sign-in with one always fails).
    static let maxPasswordBytes = 72

    static func password(_ value: String, field: String) throws -> String {
        guard value.unicodeScalars.count >= 10, value.utf8.count <= maxPasswordBytes else {
            throw ValidationError(field: field, reason: "must be at least 10 characters and at most \(maxPasswordBytes) bytes in UTF-8")
        }
        guard !value.unicodeScalars.contains(where: { $0.value == 0 }) else {
            throw ValidationError(field: field, reason: "must not contain NUL characters")
        }
        return value
    }

    static func enumeration<T: RawRepresentable & CaseIterable>(_ value: String, as type: T.Type, field: String) throws -> T where T.RawValue == String {
        guard let parsed = T(rawValue: value) else {
            throw ValidationError(field: field, reason: "must be one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return parsed
    }
}
