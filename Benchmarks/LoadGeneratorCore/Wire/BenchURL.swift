import PushTransport

/// A `ws://`, `wss://`, `http://` or `https://` URL with a numeric (or `localhost`) host: the
/// load generator connects to addresses, never resolves names.
public struct BenchURL: Sendable, Equatable, CustomStringConvertible {
    public let isTLS: Bool
    public let address: SocketAddress
    /// Path and query, `/` when absent.
    public let path: String
    /// `Host:` header value.
    public var hostHeader: String { address.description }

    public init(_ text: String) throws(BenchError) {
        let schemes: [(String, Bool)] = [("ws://", false), ("wss://", true), ("http://", false), ("https://", true)]
        guard let (scheme, tls) = schemes.first(where: { text.lowercased().hasPrefix($0.0) }) else {
            throw BenchError("'\(text)': expected a ws://, wss://, http:// or https:// URL")
        }
        let rest = text.dropFirst(scheme.count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = String(rest[..<slash])
        if !authority.contains("]:") && !(authority.contains(":") && !authority.hasPrefix("[")) {
            authority += tls ? ":443" : ":80"
        }
        do { address = try SocketAddress.parse(authority) } catch { throw BenchError("'\(text)': \(error.description)") }
        isTLS = tls
        let p = String(rest[slash...])
        path = p.isEmpty ? "/" : p
    }

    public var description: String { "\(isTLS ? "s" : "")\(address)\(path)" }

    /// The same server with another path (`/internal/publish` on the publish URL).
    public func with(path: String) -> BenchURL {
        BenchURL(isTLS: isTLS, address: address, path: path)
    }

    private init(isTLS: Bool, address: SocketAddress, path: String) {
        self.isTLS = isTLS
        self.address = address
        self.path = path
    }
}

/// A load-generator failure with the one line to print.
public struct BenchError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
