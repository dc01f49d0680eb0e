/// Percent-encoding exactly as SigV4 canonical requests require.
///
/// AWS keeps only the unreserved characters `A-Z a-z 0-9 - _ . ~` (and `/` in paths)
/// and writes every other UTF-8 byte as `%XX` in upper case. Foundation's
/// `addingPercentEncoding` keeps more (`!$&'()*+,;=:@` in some sets), which would make
/// the URL we send differ from the one the server re-encodes and signs.
enum AWSPercentEncoding {
    static func encode(_ text: String, keepingSlash: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) || (keepingSlash && byte == UInt8(ascii: "/")) {
                bytes.append(byte)
            } else {
                bytes.append(UInt8(ascii: "%"))
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A query string with names and values encoded and pairs sorted by encoded name
    /// (then value), which is the canonical order. libcurl 7.88 signs the query exactly
    /// as written, so the URL we send must already be in this form.
    static func canonicalQuery(_ items: [(name: String, value: String)]) -> String {
        items.map { (encode($0.name), encode($0.value)) }
            .sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
