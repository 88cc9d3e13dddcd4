import Glibc
import Testing

@testable import HTTPServer

@Suite struct InterfaceAddressesTests {
    /// Each is a numeric address that parses back, none is loopback, none is listed twice, IPv4 first.
    @Test func listsThisMachinesAddressesWithoutLoopback() {
        let addresses = interfaceAddresses()
        #expect(Set(addresses).count == addresses.count)
        var seenIPv6 = false
        for address in addresses {
            var buffer = in6_addr()
            let isIPv4 = inet_pton(AF_INET, address, &buffer) == 1
            let isIPv6 = inet_pton(AF_INET6, address, &buffer) == 1
            #expect(isIPv4 || isIPv6, "\(address)")
            #expect(!(isIPv4 && seenIPv6), "IPv4 \(address) after an IPv6 one")
            seenIPv6 = seenIPv6 || isIPv6
            #expect(!address.hasPrefix("127.") && address != "::1", "\(address)")
        }
    }
}
