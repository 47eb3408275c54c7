/// Where the ZeroMQ PULL socket binds: `tcp://HOST:PORT` or `ipc://PATH`, the two transports
/// EspoCRM's `webSocketZeroMQSubscriberDsn` is used with. Anything else (inproc, pgm, ws, a
/// missing port) is refused with one line before libzmq sees it.
public enum ZeroMQEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// `host` is an IPv4 address, `[IPv6]` without brackets, `*`, `localhost` or an interface name
    /// (what libzmq accepts for a bind); `port` 0 asks for a free port.
    case tcp(host: String, port: Int)
    case ipc(path: String)

    public static func parse(_ dsn: String) throws(ZeroMQError) -> ZeroMQEndpoint {
        if dsn.hasPrefix("ipc://") {
            let path = String(dsn.dropFirst("ipc://".count))
            guard !path.isEmpty, !path.contains("\0") else { throw .badEndpoint(dsn, "ipc:// needs a path") }
            return .ipc(path: path)
        }
        guard dsn.hasPrefix("tcp://") else {
            throw .badEndpoint(dsn, "must be tcp://HOST:PORT or ipc://PATH")
        }
        let rest = dsn.dropFirst("tcp://".count)
        let host: Substring
        let portText: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]"), rest[rest.index(after: close)...].hasPrefix(":") else {
                throw .badEndpoint(dsn, "an IPv6 address is written [ADDRESS]:PORT")
            }
            host = rest[rest.index(after: rest.startIndex)..<close]
            portText = rest[rest.index(close, offsetBy: 2)...]
        } else {
            guard let colon = rest.lastIndex(of: ":") else { throw .badEndpoint(dsn, "a port is required (tcp://HOST:PORT)") }
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
            if host.contains(":") { throw .badEndpoint(dsn, "an IPv6 address is written [ADDRESS]:PORT") }
        }
        guard !host.isEmpty, host.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "/" && $0 != ";" }) else {
            throw .badEndpoint(dsn, "the host must be an address, * or an interface name")
        }
        guard let port = Int(portText), (0...65535).contains(port), portText.allSatisfy(\.isASCII) else {
            throw .badEndpoint(dsn, "the port must be a number from 0 to 65535")
        }
        return .tcp(host: String(host), port: port)
    }

    /// The string handed to `zmq_bind` (port 0 becomes libzmq's `*`, any free port).
    var bindString: String {
        switch self {
        case .tcp(let host, let port):
            let h = host.contains(":") ? "[\(host)]" : host
            return "tcp://\(h):\(port == 0 ? "*" : String(port))"
        case .ipc(let path):
            return "ipc://\(path)"
        }
    }

    public var description: String {
        switch self {
        case .tcp(let host, let port): return "tcp://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        case .ipc(let path): return "ipc://\(path)"
        }
    }

    /// True when only this host can reach the socket: a loopback address, or an ipc path (file
    /// permissions guard it).
    public var isLocalOnly: Bool {
        switch self {
        case .ipc: return true
        case .tcp(let host, _):
            let h = host.lowercased()
            if h == "localhost" || h == "lo" || h == "::1" { return true }
            let octets = h.split(separator: ".", omittingEmptySubsequences: false)
            return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
        }
    }

    /// The start-up warning for a bind other hosts can reach, nil for a local-only one. ZeroMQ's
    /// NULL mechanism has no authentication: whoever reaches the port publishes to every user.
    public static func exposureWarning(_ endpoint: ZeroMQEndpoint) -> String? {
        guard !endpoint.isLocalOnly else { return nil }
        return "the ZeroMQ ingress binds \(endpoint), reachable from other hosts, and ZeroMQ has no "
            + "authentication: anyone who reaches it can publish to every user; bind 127.0.0.1 or firewall the port"
    }
}
