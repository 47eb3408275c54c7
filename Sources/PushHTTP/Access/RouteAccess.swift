/// Who may call a route. Each route declares one when it is registered (Server.swift); the
/// router resolves it through `AccessPolicy` before the route runs, so no route checks
/// credentials itself. Docs/security.md has the table of routes and refusals.
package enum RouteAccess: Sendable, Equatable {
    /// No credentials: health checks, and the diagnostics pages while they are switched on.
    case anyone
    /// A user token: `Authorization: Bearer <token>` or `Espo-Authorization: base64(user:token)`.
    case user
    /// A user listed in `auth.adminUsers`, or the backend.
    case admin
    /// The CRM backend: `Authorization: Bearer <publishSecret>`; with no secret configured, a
    /// trusted loopback peer (see `LoopbackTrust`).
    case backend
    /// The backend, or a trusted loopback peer even when a secret is configured: a scraper on the
    /// same host needs no secret, a remote one (or one behind a proxy) sends it.
    case backendOrLoopback
    /// The WhatsApp upstream posting a webhook: `whatsapp.webhookSecret` (x-api-key or
    /// X-Webhook-Hmac); with no secret configured, a trusted loopback peer.
    case webhookSender
}

/// Who the router found behind a request; a route reads it from `RequestContext.principal`.
package enum Principal: Sendable, Equatable {
    /// Nothing was asked for (`RouteAccess.anyone`).
    case anonymous
    /// The CRM backend: the publish secret, or a trusted loopback peer when none is configured.
    case backend
    /// A trusted loopback peer admitted without the secret (`backendOrLoopback`).
    case loopback
    /// The owner of a user token; `isAdmin` when listed in `auth.adminUsers`.
    case user(id: String, isAdmin: Bool)
    /// A verified (or, with no webhook secret, loopback) webhook sender.
    case webhookSender

}

extension Principal: CustomStringConvertible {
    /// For log lines: `backend`, `loopback`, `user:<id>`, `admin:<id>`.
    package var description: String {
        switch self {
        case .anonymous: return "anonymous"
        case .backend: return "backend"
        case .loopback: return "loopback"
        case .user(let id, let isAdmin): return (isAdmin ? "admin:" : "user:") + id
        case .webhookSender: return "webhook-sender"
        }
    }
}
