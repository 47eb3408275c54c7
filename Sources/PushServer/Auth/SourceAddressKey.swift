import Glibc
import PushCodec
import PushTransport

/// The key per-source-address quotas count under: an IPv4 address, or the /64 an IPv6 address is
/// in (one subscriber line usually gets a whole /64, so counting single IPv6 addresses would let a
/// client rotate through 2^64 of them). IPv4-mapped IPv6 addresses count as their IPv4 address.
///
/// Behind a same-host reverse proxy every peer is loopback, so for a loopback peer the address
/// the proxy appended to `X-Forwarded-For` (the rightmost entry; everything left of it is what the
/// client claimed) is the source. From any other peer `X-Forwarded-For` is ignored.
enum SourceAddressKey {
    /// Used when the peer address is unknown (getpeername failed): such peers share one budget.
    static let unknown = "unknown"

    static func key(peer: SocketAddress?, headers: HTTPHeaders) -> String {
        guard let peer else { return unknown }
        if peer.isLoopback, let forwarded = rightmostForwardedFor(headers), let key = key(host: forwarded) {
            return key
        }
        return key(host: peer.host) ?? unknown
    }

    /// The canonical key of a numeric host, or nil when `host` is not an IPv4 or IPv6 address.
    /// Output is produced by `inet_ntop`, never copied from the input (it goes into log lines).
    static func key(host rawHost: String) -> String? {
        var host = Substring(rawHost)
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") { host = host[host.index(after: host.startIndex)..<close] }
        if let percent = host.firstIndex(of: "%") { host = host[..<percent] } // zone id: fe80::1%eth0
        // Some proxies write IPv4 entries with a port (203.0.113.5:4711).
        if host.contains("."), let colon = host.firstIndex(of: ":"), host.lastIndex(of: ":") == colon { host = host[..<colon] }
        var v4 = in_addr()
        if inet_pton(AF_INET, String(host), &v4) == 1 { return ntop(AF_INET, &v4) }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, String(host), &v6) == 1 else { return nil }
        var bytes = withUnsafeBytes(of: v6) { Array($0) }
        // ::ffff:a.b.c.d is an IPv4 client on a dual-stack listener.
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            var mapped = in_addr()
            withUnsafeMutableBytes(of: &mapped) { $0.copyBytes(from: bytes[12..<16]) }
            return ntop(AF_INET, &mapped)
        }
        for i in 8..<16 { bytes[i] = 0 }
        var network = in6_addr()
        withUnsafeMutableBytes(of: &network) { $0.copyBytes(from: bytes) }
        return ntop(AF_INET6, &network).map { $0 + "/64" }
    }

    /// The last comma-separated entry of the last `X-Forwarded-For` line (nginx's
    /// `$proxy_add_x_forwarded_for` appends the address it saw there).
    static func rightmostForwardedFor(_ headers: HTTPHeaders) -> String? {
        guard let line = headers.all("X-Forwarded-For").last,
              let last = line.split(separator: ",").last else { return nil }
        let entry = last.trimmingSpaces()
        return entry.isEmpty ? nil : String(entry)
    }

    private static func ntop<T>(_ family: Int32, _ address: inout T) -> String? {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        guard inet_ntop(family, &address, &text, socklen_t(text.count)) != nil else { return nil }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
