import PushTransport

/// An `http`, `https`, `ws` or `wss` URL split into what a client needs to connect and send a request.
public struct ClientURL: Sendable, Equatable, CustomStringConvertible {
    /// Lowercased scheme: `http`, `https`, `ws` or `wss`.
    public var scheme: String
    /// Host name or address as written (lowercased, IPv6 without brackets); used for SNI and `Host`.
    public var host: String
    public var port: UInt16
    /// Origin-form request target: path plus `?query`, never empty (`/` at least). Fragments are dropped.
    public var path: String
    /// True for `https` and `wss`.
    public var isSecure: Bool

    public init(scheme: String, host: String, port: UInt16, path: String) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path
        self.isSecure = scheme == "https" || scheme == "wss"
    }

    /// Parses `scheme://host[:port][/path][?query][#fragment]`; IPv6 hosts are bracketed (`[::1]:8443`).
    public static func parse(_ text: String) throws(ClientError) -> ClientURL {
        func invalid(_ why: String) -> ClientError { ClientError(.invalidURL, "invalid URL '\(text)': \(why)") }
        guard let colon = text.firstIndex(of: ":"), text[colon...].hasPrefix("://") else {
            throw invalid("expected scheme://host")
        }
        let scheme = text[..<colon].lowercased()
        let defaultPort: UInt16
        switch scheme {
        case "http", "ws": defaultPort = 80
        case "https", "wss": defaultPort = 443
        default: throw invalid("unsupported scheme '\(scheme)' (expected http, https, ws or wss)")
        }
        var rest = text[colon...].dropFirst(3)
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var path = String(rest[authorityEnd...])
        if path.isEmpty { path = "/" } else if path.hasPrefix("?") { path = "/" + path }
        guard path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw invalid("the path contains a space, a control or a non-ASCII character (percent-encode it)")
        }
        if authority.contains("@") { throw invalid("credentials in URLs are not supported") }

        let host: String
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid("'[' without ']'") }
            host = String(authority[authority.index(after: authority.startIndex)..<close]).lowercased()
            guard (try? SocketAddress(host: host, port: 0))?.family == .ipv6 else {
                throw invalid("'\(host)' is not an IPv6 address")
            }
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("unexpected characters after ']'") }
                portText = after.dropFirst()
            }
        } else {
            if let colon = authority.firstIndex(of: ":") {
                host = String(authority[..<colon]).lowercased()
                portText = authority[authority.index(after: colon)...]
            } else {
                host = authority.lowercased()
            }
            guard !host.isEmpty else { throw invalid("the host is empty") }
            guard host.utf8.allSatisfy({ isHostNameByte($0) }) else {
                throw invalid("the host '\(host)' contains a character not allowed in a host name")
            }
        }
        var port = defaultPort
        if let portText {
            guard !portText.isEmpty, portText.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                  let value = UInt16(portText), value > 0 else {
                throw invalid("the port '\(portText)' is not a number from 1 to 65535")
            }
            port = value
        }
        return ClientURL(scheme: scheme, host: host, port: port, path: path)
    }

    /// The numeric host a connect uses first: `localhost` means 127.0.0.1 (tests never leave loopback).
    public var connectHost: String { host == "localhost" ? "127.0.0.1" : host }

    /// `host:port` (`[::1]:8443` for IPv6), for messages.
    public var authority: String { "\(bracketedHost):\(port)" }

    /// The `Host` header value: the port is omitted when it is the scheme's default.
    public var hostHeader: String {
        let defaultPort: UInt16 = isSecure ? 443 : 80
        return port == defaultPort ? bracketedHost : authority
    }

    /// True when `host` is an IPv4 or IPv6 literal (which must not be sent as SNI).
    public var hostIsAddress: Bool { (try? SocketAddress(host: host, port: port)) != nil }

    public var description: String { "\(scheme)://\(hostHeader)\(path)" }

    private var bracketedHost: String { host.contains(":") ? "[\(host)]" : host }

    private static func isHostNameByte(_ c: UInt8) -> Bool {
        (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c == 45 || c == 46 || c == 95
    }
}
