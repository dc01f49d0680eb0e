#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Address ranges an image fetch must never connect to: anything that is not the
/// public internet. A URL in a chat message is attacker-controlled, and the renderer
/// runs inside our network; without this, `http://169.254.169.254/` (cloud metadata)
/// or `http://10.0.0.5:5432/` would be fetched from the inside.
public enum BlockedAddressRange: String, Sendable, Equatable, CustomStringConvertible {
    case unspecified        // 0.0.0.0/8, ::/128
    case loopback           // 127.0.0.0/8, ::1
    case privateUse         // 10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10
    case sharedAddressSpace // 100.64.0.0/10 (carrier-grade NAT)
    case linkLocal          // 169.254.0.0/16, fe80::/10
    case multicast          // 224.0.0.0/4, ff00::/8
    case reserved           // 240/4, broadcast, IETF/documentation/benchmark ranges; IPv6 outside 2000::/3, 2001:db8::/32, Teredo, ::/96

    public var description: String { rawValue }

    /// The range `ipv4` (network byte order, a.b.c.d as four bytes) falls in, nil if public.
    /// The fourth byte never decides a range here (the /24s are whole), hence `_`.
    public static func classify(ipv4 a: UInt8, _ b: UInt8, _ c: UInt8, _: UInt8) -> BlockedAddressRange? {
        switch (a, b, c) {
        case (0, _, _): return .unspecified
        case (127, _, _): return .loopback
        case (10, _, _), (172, 16...31, _), (192, 168, _): return .privateUse
        case (100, 64...127, _): return .sharedAddressSpace
        case (169, 254, _): return .linkLocal
        case (224...239, _, _): return .multicast
        case (240...255, _, _): return .reserved
        case (192, 0, 0), (192, 0, 2), (198, 18...19, _), (198, 51, 100), (203, 0, 113), (192, 88, 99): return .reserved
        default: return nil
        }
    }

    /// The range a 16-byte IPv6 address falls in, nil if public. Addresses that carry
    /// an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`) are
    /// judged by that address, since that is where the packets end up.
    public static func classify(ipv6 bytes: [UInt8]) -> BlockedAddressRange? {
        guard bytes.count == 16 else { return .reserved }
        let firstTen = bytes[0..<10].allSatisfy { $0 == 0 }
        if firstTen && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return classify(ipv4: bytes[12], bytes[13], bytes[14], bytes[15])
        }
        if bytes[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0] {
            return classify(ipv4: bytes[12], bytes[13], bytes[14], bytes[15])
        }
        if bytes.allSatisfy({ $0 == 0 }) { return .unspecified }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return .loopback }
        if firstTen && bytes[10] == 0 && bytes[11] == 0 { return .reserved } // ::a.b.c.d, deprecated IPv4-compatible
        if bytes[0] == 0xFF { return .multicast }
        if bytes[0] == 0xFE && (bytes[1] & 0xC0) == 0x80 { return .linkLocal }
        if bytes[0] == 0xFE && (bytes[1] & 0xC0) == 0xC0 { return .privateUse } // site-local, deprecated
        if (bytes[0] & 0xFE) == 0xFC { return .privateUse }
        // 6to4 (2002::/16) routes to the IPv4 address in bytes 2–5.
        if bytes[0] == 0x20 && bytes[1] == 0x02 { return classify(ipv4: bytes[2], bytes[3], bytes[4], bytes[5]) }
        if bytes[0..<4] == [0x20, 0x01, 0x0D, 0xB8] { return .reserved } // documentation
        if bytes[0..<4] == [0x20, 0x01, 0x00, 0x00] { return .reserved } // Teredo tunnels
        // Only 2000::/3 is global unicast; the rest (100::/64 discard, fe00::/9, ...) is not the internet.
        if (bytes[0] & 0xE0) != 0x20 { return .reserved }
        return nil
    }

    /// Classifies a textual address (`10.1.2.3`, `::ffff:127.0.0.1`); nil if public or
    /// not an address at all.
    public static func classify(_ text: String) -> BlockedAddressRange? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            let bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return classify(ipv4: bytes[0], bytes[1], bytes[2], bytes[3])
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return classify(ipv6: withUnsafeBytes(of: &v6) { Array($0) })
        }
        return nil
    }

    /// Classifies a socket address as libcurl is about to connect to it. Returns the
    /// range and the address as text; an unknown family is reserved.
    static func classify(_ address: UnsafePointer<sockaddr>) -> (BlockedAddressRange?, String) {
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                var addr = pointer.pointee.sin_addr
                let bytes = withUnsafeBytes(of: &addr) { Array($0) }
                return (classify(ipv4: bytes[0], bytes[1], bytes[2], bytes[3]), bytes.map(String.init).joined(separator: "."))
            }
        case AF_INET6:
            return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                var addr = pointer.pointee.sin6_addr
                let bytes = withUnsafeBytes(of: &addr) { Array($0) }
                var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                inet_ntop(AF_INET6, &addr, &text, socklen_t(text.count))
                let length = text.firstIndex(of: 0) ?? text.count
                return (classify(ipv6: bytes), String(decoding: text[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
        default:
            return (.reserved, "address family \(address.pointee.sa_family)")
        }
    }
}
