import Crypto
import Domain
import Foundation
import NIOCore

/// Encrypts customers' phone numbers and e-mail addresses (and two-step secrets) before
/// they reach PostgreSQL, and keys the hashes that still let them be looked up exactly
/// (docs/contacts.md). Someone who takes a copy of the database without the service's
/// configuration gets ciphertext and hashes no guess can be checked against.
///
/// - Encryption: AES-256-GCM under the *current* key of `PARLEY_CONTACT_KEYS`; every
///   value carries its key's id, so older keys keep opening older values until
///   `parley keys rotate` has re-encrypted them. The associated data binds a value to its
///   tenant and purpose: copied into another tenant's row, or from a phone into an e-mail
///   column, it no longer opens.
/// - Lookup: HMAC-SHA256 under `PARLEY_CONTACT_LOOKUP_KEY` of the normalised form
///   (`ContactNormalisation`), and of the masked form for the masked phone filter. This
///   key is not rotated with the others: a new one would need every hash recomputed
///   while both are known, which no tool does yet (docs/contacts.md).
public struct ContactVault: Sendable {
    public struct Key: Sendable {
        public let id: String
        let key: SymmetricKey
    }

    /// What a sealed value is for: part of the associated data.
    public enum Purpose: String, Sendable {
        case phone, email
        case twoStepSecret = "two-step-secret"
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// The key new values are sealed with.
    public let current: Key
    private let keys: [String: SymmetricKey]
    private let lookupKey: SymmetricKey

    /// AES-256 keys, as 32 bytes.
    public static let keyBytes = 32
    /// The lookup secret is refused shorter than this (HMAC-SHA256's own strength).
    public static let minimumLookupSecretBytes = 32
    private static let format: UInt8 = 1

    /// `keys` newest first: the first seals, all open. Ids are 1–32 letters, digits, `-` or `_`.
    public init(keys: [(id: String, bytes: [UInt8])], lookupSecret: some Sequence<UInt8>) throws {
        guard let first = keys.first else { throw Invalid(description: "at least one key is needed") }
        var byID: [String: SymmetricKey] = [:]
        for (id, bytes) in keys {
            guard (1...32).contains(id.utf8.count),
                  id.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") })
            else { throw Invalid(description: "key id '\(id)' must be 1–32 ASCII letters, digits, '-' or '_'") }
            guard bytes.count == Self.keyBytes else {
                throw Invalid(description: "key '\(id)' must be \(Self.keyBytes) bytes (base64 of 32 random bytes), got \(bytes.count)")
            }
            guard byID[id] == nil else { throw Invalid(description: "key id '\(id)' appears twice") }
            byID[id] = SymmetricKey(data: bytes)
        }
        let lookup = Array(lookupSecret)
        guard lookup.count >= Self.minimumLookupSecretBytes else {
            throw Invalid(description: "the lookup secret must be at least \(Self.minimumLookupSecretBytes) random characters")
        }
        self.keys = byID
        self.current = Key(id: first.id, key: byID[first.id]!)
        self.lookupKey = SymmetricKey(data: lookup)
    }

    /// Reads `PARLEY_CONTACT_KEYS` (`id:base64,id:base64`, newest first) and `PARLEY_CONTACT_LOOKUP_KEY`.
    public static func parse(keys text: String, lookupSecret: String) throws -> ContactVault {
        var keys: [(id: String, bytes: [UInt8])] = []
        for entry in text.split(separator: ",") {
            let parts = entry.trimmingCharacters(in: .whitespaces).split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let bytes = Data(base64Encoded: String(parts[1])) else {
                throw Invalid(description: "each key is 'id:base64' (for example 2026a:$(openssl rand -base64 32))")
            }
            keys.append((String(parts[0]), Array(bytes)))
        }
        return try ContactVault(keys: keys, lookupSecret: lookupSecret.utf8)
    }

    // MARK: Sealing

    /// `value` encrypted for `tenantID` and `purpose` under the current key; `nil` stays `nil`.
    public func seal(_ value: String?, purpose: Purpose, tenantID: UUID) throws -> ByteBuffer? {
        guard let value else { return nil }
        let box = try AES.GCM.seal(Array(value.utf8), using: current.key,
                                   authenticating: Self.associatedData(purpose, tenantID))
        guard let combined = box.combined else { throw StoreError.corrupt("AES-GCM gave no combined form") }
        var buffer = ByteBuffer()
        buffer.writeInteger(Self.format)
        buffer.writeInteger(UInt8(current.id.utf8.count))
        buffer.writeString(current.id)
        buffer.writeBytes(combined)
        return buffer
    }

    /// The value `sealed` holds; `nil` stays `nil`. A value under a key this process was not
    /// given, or one that was altered, is `StoreError.corrupt` naming the key id.
    public func open(_ sealed: ByteBuffer?, purpose: Purpose, tenantID: UUID) throws -> String? {
        guard var sealed else { return nil }
        guard sealed.readInteger(as: UInt8.self) == Self.format, let length = sealed.readInteger(as: UInt8.self),
              let id = sealed.readString(length: Int(length)), let bytes = sealed.readBytes(length: sealed.readableBytes)
        else { throw StoreError.corrupt("a sealed contact value has an unknown format") }
        guard let key = keys[id] else {
            throw StoreError.corrupt("a contact value is sealed with key '\(id)', which PARLEY_CONTACT_KEYS does not hold")
        }
        do {
            let plain = try AES.GCM.open(AES.GCM.SealedBox(combined: bytes), using: key,
                                         authenticating: Self.associatedData(purpose, tenantID))
            return String(decoding: plain, as: UTF8.self)
        } catch {
            throw StoreError.corrupt("a contact value sealed with key '\(id)' does not open: altered, or moved from another row")
        }
    }

    /// The sealed value, or else what a row written before encryption still holds in
    /// plaintext (until `parley keys rotate` has sealed it).
    public func open(_ sealed: ByteBuffer?, orLegacy legacy: String?, purpose: Purpose, tenantID: UUID) throws -> String? {
        try open(sealed, purpose: purpose, tenantID: tenantID) ?? legacy
    }

    /// The id of the key `sealed` was sealed with, without opening it.
    public static func keyID(of sealed: ByteBuffer) -> String? {
        var sealed = sealed
        guard sealed.readInteger(as: UInt8.self) == format, let length = sealed.readInteger(as: UInt8.self) else { return nil }
        return sealed.readString(length: Int(length))
    }

    /// The leading bytes every value sealed under the current key starts with (for SQL that
    /// finds the values still under an older key).
    public var currentPrefix: ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(Self.format)
        buffer.writeInteger(UInt8(current.id.utf8.count))
        buffer.writeString(current.id)
        return buffer
    }

    private static func associatedData(_ purpose: Purpose, _ tenantID: UUID) -> [UInt8] {
        Array("parley-contact-v1|\(purpose.rawValue)|\(tenantID.uuidString.lowercased())".utf8)
    }

    // MARK: Lookup hashes

    /// The keyed hash exact phone lookups and the merge compare (of the normalised form).
    public func phoneHash(_ phone: String?) -> ByteBuffer? {
        phone.map { lookupHash("phone", ContactNormalisation.phone($0)) }
    }

    /// The keyed hash of a phone number's masked form, for the masked filter (`138****5678`).
    public func maskedPhoneHash(_ phone: String?) -> ByteBuffer? {
        phone.map { lookupHash("masked-phone", ContactNormalisation.maskedPhone($0)) }
    }

    /// The hash a masked filter as typed is looked up by.
    public func maskedPhoneFilterHash(_ filter: String) -> ByteBuffer {
        lookupHash("masked-phone", ContactNormalisation.maskedPhoneFilter(filter))
    }

    /// The keyed hash exact e-mail lookups and the merge compare (of the normalised form).
    public func emailHash(_ email: String?) -> ByteBuffer? {
        email.map { lookupHash("email", ContactNormalisation.email($0)) }
    }

    private func lookupHash(_ kind: String, _ normalised: String) -> ByteBuffer {
        var hmac = HMAC<SHA256>(key: lookupKey)
        hmac.update(data: Array("parley-lookup-v1|\(kind)|".utf8))
        hmac.update(data: Array(normalised.utf8))
        return ByteBuffer(bytes: Array(hmac.finalize()))
    }
}

/// A customer's phone and e-mail as they are written to a row: each sealed, with the
/// hashes lookups use. One value, so every writer stores the same columns alike.
public struct SealedContacts: Sendable {
    public let phone: ByteBuffer?
    public let phoneHash: ByteBuffer?
    public let maskedPhoneHash: ByteBuffer?
    public let email: ByteBuffer?
    public let emailHash: ByteBuffer?

    public init(phone: String?, email: String?, tenantID: UUID, vault: ContactVault) throws {
        self.phone = try vault.seal(phone, purpose: .phone, tenantID: tenantID)
        self.phoneHash = vault.phoneHash(phone)
        self.maskedPhoneHash = vault.maskedPhoneHash(phone)
        self.email = try vault.seal(email, purpose: .email, tenantID: tenantID)
        self.emailHash = vault.emailHash(email)
    }
}
