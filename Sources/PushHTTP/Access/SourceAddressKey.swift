import PushCodec
import PushTransport

/// The key per-source-address quotas count under (`SocketAddress.sourceKey`: an IPv4 address,
/// or the /64 an IPv6 address is in).
///
/// Behind a same-host reverse proxy every peer is loopback, so for a loopback peer the address
/// the proxy appended to `X-Forwarded-For` (the rightmost entry; everything left of it is what the
/// client claimed) is the source. From any other peer `X-Forwarded-For` is ignored.
package enum SourceAddressKey {
    /// Used when the peer address is unknown (getpeername failed): such peers share one budget.
    package static let unknown = "unknown"

    package static func key(peer: SocketAddress?, headers: HTTPHeaders) -> String {
        guard let peer else { return unknown }
        if peer.isLoopback, let forwarded = rightmostForwardedFor(headers), let key = key(host: forwarded) {
            return key
        }
        return key(host: peer.host) ?? unknown
    }

    /// The canonical key of a numeric host (`SocketAddress.sourceKey(ofHost:)`, the one the
    /// per-address connection limit counts under too), or nil when it is not an address.
    package static func key(host: String) -> String? { SocketAddress.sourceKey(ofHost: host) }

    /// The last comma-separated entry of the last `X-Forwarded-For` line (nginx's
    /// `$proxy_add_x_forwarded_for` appends the address it saw there).
    package static func rightmostForwardedFor(_ headers: HTTPHeaders) -> String? {
        guard let line = headers.all("X-Forwarded-For").last,
              let last = line.split(separator: ",").last else { return nil }
        let entry = last.trimmingSpaces()
        return entry.isEmpty ? nil : String(entry)
    }
}
