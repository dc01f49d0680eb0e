import Domain
import Foundation

/// Checks shared by request bodies. Each throws `ValidationError` naming the field.
enum InputRules {
    static func text(_ value: String, field: String, length: ClosedRange<Int>) throws -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard length.contains(trimmed.count) else {
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

    static func password(_ value: String, field: String) throws -> String {
        guard (10...200).contains(value.count) else {
            throw ValidationError(field: field, reason: "must be 10 to 200 characters")
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
