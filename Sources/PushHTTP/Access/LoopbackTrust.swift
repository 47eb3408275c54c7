import PushCodec
import PushTransport

/// When a loopback peer stands in for a credential (no `publishSecret`, no `webhookSecret`,
/// or a local metrics scraper): only when it is really the caller. A request that carries a
/// forwarding header came through a proxy on this host, so the loopback address is the proxy's,
/// not the client's, and is trusted no more than any remote peer.
package enum LoopbackTrust {
    package static let forwardingHeaders = ["Forwarded", "X-Forwarded-For", "X-Real-IP"]

    /// The first forwarding header the request carries, or nil.
    package static func forwardingHeader(in headers: HTTPHeaders) -> String? {
        forwardingHeaders.first { headers.first($0) != nil }
    }

    package static func isTrusted(peer: SocketAddress?, headers: HTTPHeaders) -> Bool {
        peer?.isLoopback == true && forwardingHeader(in: headers) == nil
    }

    /// Why a peer is not trusted, ending with what to configure instead (`remedy`).
    package static func refusal(peer: SocketAddress?, headers: HTTPHeaders, remedy: String) -> String {
        if peer?.isLoopback == true, let header = forwardingHeader(in: headers) {
            return "This request came through a proxy (it carries \(header)), so its loopback address is not trusted; \(remedy)."
        }
        return "Only loopback clients are trusted here; \(remedy)."
    }
}
