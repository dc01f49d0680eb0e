/// A validated object key: a relative path of non-empty segments.
///
/// The same rules hold for both stores, because the file store turns a key into a
/// path under its root: `..`, absolute paths and empty segments could otherwise
/// reach outside it, and a NUL would cut the path short in the C library. S3 would
/// accept most of these, but a key that only works on one store is a trap.
struct ObjectKey: Sendable, Equatable {
    /// S3's limit on a key's length, in UTF-8 bytes.
    static let maxUTF8Length = 1024

    let value: String
    let segments: [String]

    init(_ key: String) throws(ObjectStoreError) {
        func refuse(_ reason: String) -> ObjectStoreError { .invalidKey(key, reason: reason) }
        guard !key.isEmpty else { throw refuse("it is empty") }
        guard key.utf8.count <= Self.maxUTF8Length else { throw refuse("it is longer than \(Self.maxUTF8Length) bytes") }
        guard !key.hasPrefix("/") else { throw refuse("it is absolute (starts with /)") }
        if let bad = key.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw refuse(bad.value == 0 ? "it contains NUL" : "it contains a control character")
        }
        guard !key.contains("\\") else { throw refuse("it contains a backslash") }
        let segments = key.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !segments.contains(where: \.isEmpty) else { throw refuse("it has an empty segment (// or a trailing /)") }
        guard !segments.contains(where: { $0 == "." || $0 == ".." }) else { throw refuse("it has a . or .. segment") }
        self.value = key
        self.segments = segments
    }
}
