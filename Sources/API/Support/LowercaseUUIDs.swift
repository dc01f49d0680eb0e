import Foundation

/// Wraps a response body so that every `UUID` in it is written lower-case (RFC 9562's
/// canonical form), wherever it sits: Foundation writes `uuidString`, which is
/// upper-case, while ids that reach us as text (a message's `senderId`, cursors, token
/// claims) are lower-case, and clients compare ids as strings.
///
/// JSONEncoder has no UUID strategy, so this forwards to its encoder through thin
/// containers that write a `UUID` as its lower-case string and wrap every nested value
/// again. Everything else (dates and their strategy, key order) is JSONEncoder's own.
struct LowercaseUUIDs<Value: Encodable>: Encodable {
    let value: Value

    func encode(to encoder: any Encoder) throws {
        try LowercaseUUIDs.write(value, to: encoder)
    }

    static func write<T: Encodable>(_ value: T, to encoder: any Encoder) throws {
        if let uuid = value as? UUID {
            var container = encoder.singleValueContainer()
            try container.encode(uuid.uuidString.lowercased())
        } else if value is Date {
            // The base encoder applies its date strategy to a Date it is handed directly.
            var container = encoder.singleValueContainer()
            try container.encode(value)
        } else {
            try value.encode(to: UUIDLowercasingEncoder(base: encoder))
        }
    }
}

private struct UUIDLowercasingEncoder: Encoder {
    let base: any Encoder
    var codingPath: [any CodingKey] { base.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { base.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(KeyedForwarder(base: base.container(keyedBy: type)))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        UnkeyedForwarder(base: base.unkeyedContainer())
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueForwarder(base: base.singleValueContainer(), encoder: base)
    }
}

private struct KeyedForwarder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    var base: KeyedEncodingContainer<Key>
    var codingPath: [any CodingKey] { base.codingPath }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        if let uuid = value as? UUID {
            try base.encode(uuid.uuidString.lowercased(), forKey: key)
        } else if value is Date {
            try base.encode(value, forKey: key)
        } else {
            try value.encode(to: UUIDLowercasingEncoder(base: base.superEncoder(forKey: key)))
        }
    }

    mutating func encodeNil(forKey key: Key) throws { try base.encodeNil(forKey: key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: String, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try base.encode(value, forKey: key) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(KeyedForwarder<NestedKey>(base: base.nestedContainer(keyedBy: keyType, forKey: key)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        UnkeyedForwarder(base: base.nestedUnkeyedContainer(forKey: key))
    }

    mutating func superEncoder() -> any Encoder { UUIDLowercasingEncoder(base: base.superEncoder()) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { UUIDLowercasingEncoder(base: base.superEncoder(forKey: key)) }
}

private struct UnkeyedForwarder: UnkeyedEncodingContainer {
    var base: any UnkeyedEncodingContainer
    var codingPath: [any CodingKey] { base.codingPath }
    var count: Int { base.count }

    mutating func encode<T: Encodable>(_ value: T) throws {
        if let uuid = value as? UUID {
            try base.encode(uuid.uuidString.lowercased())
        } else if value is Date {
            try base.encode(value)
        } else {
            try value.encode(to: UUIDLowercasingEncoder(base: base.superEncoder()))
        }
    }

    mutating func encodeNil() throws { try base.encodeNil() }
    mutating func encode(_ value: Bool) throws { try base.encode(value) }
    mutating func encode(_ value: String) throws { try base.encode(value) }
    mutating func encode(_ value: Double) throws { try base.encode(value) }
    mutating func encode(_ value: Float) throws { try base.encode(value) }
    mutating func encode(_ value: Int) throws { try base.encode(value) }
    mutating func encode(_ value: Int8) throws { try base.encode(value) }
    mutating func encode(_ value: Int16) throws { try base.encode(value) }
    mutating func encode(_ value: Int32) throws { try base.encode(value) }
    mutating func encode(_ value: Int64) throws { try base.encode(value) }
    mutating func encode(_ value: UInt) throws { try base.encode(value) }
    mutating func encode(_ value: UInt8) throws { try base.encode(value) }
    mutating func encode(_ value: UInt16) throws { try base.encode(value) }
    mutating func encode(_ value: UInt32) throws { try base.encode(value) }
    mutating func encode(_ value: UInt64) throws { try base.encode(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(KeyedForwarder<NestedKey>(base: base.nestedContainer(keyedBy: keyType)))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        UnkeyedForwarder(base: base.nestedUnkeyedContainer())
    }

    mutating func superEncoder() -> any Encoder { UUIDLowercasingEncoder(base: base.superEncoder()) }
}

private struct SingleValueForwarder: SingleValueEncodingContainer {
    var base: any SingleValueEncodingContainer
    /// The encoder the container came from: a nested value is written through it again.
    let encoder: any Encoder
    var codingPath: [any CodingKey] { base.codingPath }

    mutating func encode<T: Encodable>(_ value: T) throws {
        if let uuid = value as? UUID {
            try base.encode(uuid.uuidString.lowercased())
        } else if value is Date {
            try base.encode(value)
        } else {
            try value.encode(to: UUIDLowercasingEncoder(base: encoder))
        }
    }

    mutating func encodeNil() throws { try base.encodeNil() }
    mutating func encode(_ value: Bool) throws { try base.encode(value) }
    mutating func encode(_ value: String) throws { try base.encode(value) }
    mutating func encode(_ value: Double) throws { try base.encode(value) }
    mutating func encode(_ value: Float) throws { try base.encode(value) }
    mutating func encode(_ value: Int) throws { try base.encode(value) }
    mutating func encode(_ value: Int8) throws { try base.encode(value) }
    mutating func encode(_ value: Int16) throws { try base.encode(value) }
    mutating func encode(_ value: Int32) throws { try base.encode(value) }
    mutating func encode(_ value: Int64) throws { try base.encode(value) }
    mutating func encode(_ value: UInt) throws { try base.encode(value) }
    mutating func encode(_ value: UInt8) throws { try base.encode(value) }
    mutating func encode(_ value: UInt16) throws { try base.encode(value) }
    mutating func encode(_ value: UInt32) throws { try base.encode(value) }
    mutating func encode(_ value: UInt64) throws { try base.encode(value) }
}
