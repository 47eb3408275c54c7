import Glibc

/// An IPv4 or IPv6 address with port, parsed from `127.0.0.1:8080`, `[::1]:8443` or `:8080`.
public struct SocketAddress: Sendable, Equatable, CustomStringConvertible {
    public enum Family: Sendable, Equatable { case ipv4, ipv6 }
    public let host: String
    public let port: UInt16
    public let family: Family

    public init(host: String, port: UInt16) throws(SocketAddressError) {
        var probe4 = in_addr(), probe6 = in6_addr()
        if inet_pton(AF_INET, host, &probe4) == 1 {
            family = .ipv4
        } else if inet_pton(AF_INET6, host, &probe6) == 1 {
            family = .ipv6
        } else {
            throw SocketAddressError(message: "'\(host)' is not a numeric IPv4 or IPv6 address")
        }
        self.host = host
        self.port = port
    }

    /// Parses `host:port`; IPv6 hosts are bracketed (`[::1]:8443`); `localhost` means 127.0.0.1.
    public static func parse(_ text: String) throws(SocketAddressError) -> SocketAddress {
        var host: Substring
        var portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw SocketAddressError(message: "'\(text)' has '[' without ']'")
            }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw SocketAddressError(message: "'\(text)' has no port after ']'") }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw SocketAddressError(message: "'\(text)' has no port (expected host:port)")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { throw SocketAddressError(message: "'\(text)': write IPv6 addresses as [addr]:port") }
        }
        if host.isEmpty { host = "0.0.0.0" }
        if host == "localhost" { host = "127.0.0.1" }
        guard let port = UInt16(portText) else {
            throw SocketAddressError(message: "'\(text)' has an invalid port '\(portText)' (expected 0-65535)")
        }
        return try SocketAddress(host: String(host), port: port)
    }

    public var description: String { family == .ipv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// True for 127.0.0.0/8 and ::1 (and IPv4-mapped loopback).
    public var isLoopback: Bool {
        switch family {
        case .ipv4: return host.hasPrefix("127.")
        case .ipv6: return host == "::1" || host.lowercased().hasPrefix("::ffff:127.")
        }
    }

    /// The key per-source limits count under: the IPv4 address (IPv4-mapped IPv6 included), or
    /// the /64 of an IPv6 address (`2001:db8:1:2::/64`): one subscriber line usually gets a whole
    /// /64, so counting single IPv6 addresses would let a client rotate through 2^64 of them.
    public var sourceKey: String { Self.sourceKey(ofHost: host) ?? host }

    /// The canonical source key of a numeric host, or nil when `host` is not an IPv4 or IPv6
    /// address. Accepts what proxies write (`[::1]`, a zone id, `203.0.113.5:4711`); the output
    /// comes from `inet_ntop`, never copied from the input (it goes into log lines).
    public static func sourceKey(ofHost rawHost: String) -> String? {
        var host = Substring(rawHost)
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") { host = host[host.index(after: host.startIndex)..<close] }
        if let percent = host.firstIndex(of: "%") { host = host[..<percent] } // zone id: fe80::1%eth0
        if host.contains("."), let colon = host.firstIndex(of: ":"), host.lastIndex(of: ":") == colon { host = host[..<colon] }
        var v4 = in_addr()
        if inet_pton(AF_INET, String(host), &v4) == 1 { return ntop(AF_INET, withUnsafeBytes(of: v4) { Array($0) }) }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, String(host), &v6) == 1 else { return nil }
        var bytes = withUnsafeBytes(of: v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return ntop(AF_INET, Array(bytes[12..<16]))
        }
        for i in 8..<16 { bytes[i] = 0 }
        return ntop(AF_INET6, bytes).map { $0 + "/64" }
    }

    /// `address`: the 4 or 16 bytes of an IPv4 or IPv6 address, network order.
    private static func ntop(_ family: Int32, _ address: [UInt8]) -> String? {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let written = address.withUnsafeBytes { raw in
            text.withUnsafeMutableBufferPointer { inet_ntop(family, raw.baseAddress, $0.baseAddress, socklen_t($0.count)) != nil }
        }
        guard written else { return nil }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Calls `body` with this address as a `sockaddr` pointer and its length.
    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        switch family {
        case .ipv4:
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            _ = inet_pton(AF_INET, host, &sin.sin_addr)
            return try withUnsafePointer(to: &sin) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .ipv6:
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            _ = inet_pton(AF_INET6, host, &sin6.sin6_addr)
            return try withUnsafePointer(to: &sin6) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
    }

    /// Reads an address the kernel filled in (accept, getsockname, getpeername).
    static func from(_ storage: UnsafePointer<sockaddr_storage>) -> SocketAddress? {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(storage.pointee.ss_family) {
        case AF_INET:
            return storage.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                var addr = sin.pointee.sin_addr
                guard inet_ntop(AF_INET, &addr, &text, socklen_t(text.count)) != nil else { return nil }
                return try? SocketAddress(host: String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), port: UInt16(bigEndian: sin.pointee.sin_port))
            }
        case AF_INET6:
            return storage.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                var addr = sin6.pointee.sin6_addr
                guard inet_ntop(AF_INET6, &addr, &text, socklen_t(text.count)) != nil else { return nil }
                return try? SocketAddress(host: String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), port: UInt16(bigEndian: sin6.pointee.sin6_port))
            }
        default:
            return nil
        }
    }
}

public struct SocketAddressError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}
