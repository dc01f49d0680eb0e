import Foundation

/// Decodes a request body like JSONDecoder's own decoder, except that a `null` in a member
/// the type reads as optional is refused unless the member is nullable (`NullMembers`):
/// Swift's `decodeIfPresent` reads `null` and absence alike, and a client sending
/// `"name": null` should learn that it means nothing rather than have it ignored.
/// Members the type does not read are never visited, so `null` in them stays ignored, as
/// the contract says of unknown members.
///
/// Only used for bodies whose text holds a `null` literal (`JSONBodyRules.scan`): the
/// forwarding costs an allocation per nested value.
struct NullRefusal: Error {
    let path: String
}

struct NullRefusingDecoder: Decoder {
    let base: any Decoder
    let nullable: Set<String>
    var codingPath: [any CodingKey] { base.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { base.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(NullRefusingKeyed(base: try base.container(keyedBy: type), nullable: nullable))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        NullRefusingUnkeyed(base: try base.unkeyedContainer(), nullable: nullable)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        try base.singleValueContainer()
    }

    /// A value of `T` through this decoder, unless it is a leaf the base decodes itself.
    static func decode<T: Decodable>(_ type: T.Type, from decoder: any Decoder, nullable: Set<String>) throws -> T {
        try T(from: NullRefusingDecoder(base: decoder, nullable: nullable))
    }
}

/// Wraps one value of the body for the decoder: `NullRefusingBody<T>` decodes `T` with
/// the refusal in force.
struct NullRefusingBody<T: Decodable>: Decodable {
    let value: T
    static var nullableKey: CodingUserInfoKey { CodingUserInfoKey(rawValue: "parley.nullable")! }

    init(from decoder: any Decoder) throws {
        let nullable = decoder.userInfo[Self.nullableKey] as? Set<String> ?? []
        value = try NullRefusingDecoder.decode(T.self, from: decoder, nullable: nullable)
    }
}

private func isLeaf<T>(_ type: T.Type) -> Bool {
    type == Date.self || type == UUID.self || type == String.self || type == Int.self || type == Bool.self || type == Double.self
}

private struct NullRefusingKeyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let base: KeyedDecodingContainer<Key>
    let nullable: Set<String>
    var codingPath: [any CodingKey] { base.codingPath }
    var allKeys: [Key] { base.allKeys }

    func contains(_ key: Key) -> Bool { base.contains(key) }

    /// Asked by `decodeIfPresent` (the standard library's default) before it decodes.
    func decodeNil(forKey key: Key) throws -> Bool {
        let isNull = try base.decodeNil(forKey: key)
        if isNull, !nullable.contains(key.stringValue) {
            throw NullRefusal(path: JSONBody.path(codingPath + [key]))
        }
        return isNull
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        if isLeaf(type) { return try base.decode(type, forKey: key) }
        return try NullRefusingDecoder.decode(type, from: try base.superDecoder(forKey: key), nullable: nullable)
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try base.decode(type, forKey: key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try base.decode(type, forKey: key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try base.decode(type, forKey: key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try base.decode(type, forKey: key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try base.decode(type, forKey: key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try base.decode(type, forKey: key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try base.decode(type, forKey: key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try base.decode(type, forKey: key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try base.decode(type, forKey: key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try base.decode(type, forKey: key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try base.decode(type, forKey: key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try base.decode(type, forKey: key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try base.decode(type, forKey: key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try base.decode(type, forKey: key) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(NullRefusingKeyed<NestedKey>(base: try base.nestedContainer(keyedBy: type, forKey: key), nullable: nullable))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        NullRefusingUnkeyed(base: try base.nestedUnkeyedContainer(forKey: key), nullable: nullable)
    }

    func superDecoder() throws -> any Decoder { NullRefusingDecoder(base: try base.superDecoder(), nullable: nullable) }
    func superDecoder(forKey key: Key) throws -> any Decoder {
        NullRefusingDecoder(base: try base.superDecoder(forKey: key), nullable: nullable)
    }
}

private struct NullRefusingUnkeyed: UnkeyedDecodingContainer {
    var base: any UnkeyedDecodingContainer
    let nullable: Set<String>
    var codingPath: [any CodingKey] { base.codingPath }
    var count: Int? { base.count }
    var isAtEnd: Bool { base.isAtEnd }
    var currentIndex: Int { base.currentIndex }

    mutating func decodeNil() throws -> Bool { try base.decodeNil() }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if isLeaf(type) { return try base.decode(type) }
        return try NullRefusingDecoder.decode(type, from: try base.superDecoder(), nullable: nullable)
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try base.decode(type) }
    mutating func decode(_ type: String.Type) throws -> String { try base.decode(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try base.decode(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try base.decode(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try base.decode(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try base.decode(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try base.decode(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try base.decode(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try base.decode(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try base.decode(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try base.decode(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try base.decode(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try base.decode(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try base.decode(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(NullRefusingKeyed<NestedKey>(base: try base.nestedContainer(keyedBy: type), nullable: nullable))
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        NullRefusingUnkeyed(base: try base.nestedUnkeyedContainer(), nullable: nullable)
    }

    mutating func superDecoder() throws -> any Decoder { NullRefusingDecoder(base: try base.superDecoder(), nullable: nullable) }
}
