import Glibc

/// Name lookup for outbound connections. Blocking (getaddrinfo has no deadline of its own):
/// never call it on a loop thread; run it on a queue and hand the result to the loop.
public enum HostResolver {
    /// The addresses of `host` (numeric hosts and `localhost` need no lookup), in the resolver's
    /// order without duplicates, or a one-line reason.
    public static func resolve(_ host: String, port: UInt16) -> Result<[SocketAddress], OutboundConnectError> {
        if host == "localhost", let loopback = try? SocketAddress(host: "127.0.0.1", port: port) { return .success([loopback]) }
        if let numeric = try? SocketAddress(host: host, port: port) { return .success([numeric]) }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else { return .failure(OutboundConnectError("resolve \(host): \(String(cString: gai_strerror(status)))")) }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var entry = list
        while let info = entry?.pointee {
            entry = info.ai_next
            guard let address = info.ai_addr else { continue }
            var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            guard getnameinfo(address, info.ai_addrlen, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST) == 0 else { continue }
            let numeric = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let resolved = try? SocketAddress(host: numeric, port: port), !addresses.contains(resolved) {
                addresses.append(resolved)
            }
        }
        return addresses.isEmpty ? .failure(OutboundConnectError("resolve \(host): no usable addresses")) : .success(addresses)
    }
}
