import Testing
@testable import ObjectStorage

@Suite("Non-public address ranges")
struct BlockedAddressRangeTests {
    @Test("IPv4 ranges", arguments: [
        ("0.0.0.0", BlockedAddressRange.unspecified), ("0.1.2.3", .unspecified),
        ("127.0.0.1", .loopback), ("127.255.255.254", .loopback),
        ("10.0.0.1", .privateUse), ("172.16.0.1", .privateUse), ("172.31.255.255", .privateUse), ("192.168.1.1", .privateUse),
        ("100.64.0.1", .sharedAddressSpace), ("100.127.255.255", .sharedAddressSpace),
        ("169.254.169.254", .linkLocal),
        ("224.0.0.1", .multicast), ("239.255.255.250", .multicast),
        ("240.0.0.1", .reserved), ("255.255.255.255", .reserved), ("192.0.2.1", .reserved), ("198.18.0.1", .reserved),
    ])
    func ipv4Blocked(address: String, range: BlockedAddressRange) {
        #expect(BlockedAddressRange.classify(address) == range)
    }

    @Test("IPv6 ranges, and IPv4 addresses carried inside IPv6", arguments: [
        ("::", BlockedAddressRange.unspecified), ("::1", .loopback),
        ("fe80::1", .linkLocal), ("febf::1", .linkLocal), ("fc00::1", .privateUse), ("fd12:3456::1", .privateUse), ("fec0::1", .privateUse),
        ("ff02::1", .multicast), ("2001:db8::1", .reserved), ("100::1", .reserved), ("::10.0.0.1", .reserved),
        ("::ffff:127.0.0.1", .loopback), ("::ffff:10.1.2.3", .privateUse), ("::ffff:169.254.169.254", .linkLocal),
        ("::ffff:0.0.0.0", .unspecified), ("64:ff9b::a9fe:a9fe", .linkLocal), ("64:ff9b::7f00:1", .loopback),
        ("fe00::1", .reserved), ("2002:a00:1::1", .privateUse), ("2001:0:4136:e378::1", .reserved),
    ])
    func ipv6Blocked(address: String, range: BlockedAddressRange) {
        #expect(BlockedAddressRange.classify(address) == range)
    }

    @Test("public addresses pass", arguments: [
        "1.1.1.1", "8.8.8.8", "100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0", "192.167.1.1", "169.253.1.1",
        "223.255.255.255", "2606:4700:4700::1111", "2a00:1450:4001::200e", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
    ])
    func publicAddresses(address: String) {
        #expect(BlockedAddressRange.classify(address) == nil)
    }
}
