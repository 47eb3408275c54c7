import PushCodec
import PushTransport

/// Decides whether a request may reach its route (`RouteAccess`) and who is calling
/// (`Principal`). The router asks it before every route runs; the server's `AccessPolicy` is the
/// one implementation (it knows the secrets and the token table, which this layer does not).
/// `completion` is called exactly once, from any thread.
package protocol RouteAuthorizer: Sendable {
    func resolve(_ access: RouteAccess, _ request: HTTPRequest, peer: SocketAddress?,
                 _ completion: @escaping @Sendable (Result<Principal, HTTPError>) -> Void)
}
