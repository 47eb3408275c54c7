import PushBroker
import PushCodec
import PushHTTP
import PushTransport

/// The one place that decides whether a request may reach its route (`RouteAccess`), and who
/// is calling (`Principal`). Immutable after start-up. `completion` runs on the caller's thread
/// for every rule except a user token the cache does not hold (then on the store queue or a
/// command-runner thread, as `TokenAuthenticator` says), so backend routes still run on their loop.
struct AccessPolicy: RouteAuthorizer {
    let publishSecret: String?
    let webhookSecret: String?
    let adminUsers: Set<String>
    let authenticator: TokenAuthenticator

    typealias Completion = @Sendable (Result<Principal, HTTPError>) -> Void

    func resolve(_ access: RouteAccess, _ request: HTTPRequest, peer: SocketAddress?, _ completion: @escaping Completion) {
        let headers = request.head.headers
        switch access {
        case .anyone:
            completion(.success(.anonymous))
        case .backend:
            completion(backend(headers, peer))
        case .backendOrLoopback:
            completion(LoopbackTrust.isTrusted(peer: peer, headers: headers) ? .success(.loopback) : backend(headers, peer))
        case .webhookSender:
            completion(webhookSender(request, peer))
        case .user:
            user(headers, source: SourceAddressKey.key(peer: peer, headers: headers), completion)
        case .admin:
            admin(headers, peer, completion)
        }
    }

    // MARK: Rules

    /// Docs/security.md, "Routes": with a secret, `Bearer <secret>` (missing → 401, wrong → 403); without
    /// one, a trusted loopback peer (others → 403).
    private func backend(_ headers: HTTPHeaders, _ peer: SocketAddress?) -> Result<Principal, HTTPError> {
        guard let publishSecret else {
            if LoopbackTrust.isTrusted(peer: peer, headers: headers) { return .success(.backend) }
            return .failure(.forbidden(
                LoopbackTrust.refusal(peer: peer, headers: headers, remedy: "configure a publishSecret and send it as Authorization: Bearer <publishSecret>")))
        }
        guard let presented = UserCredentials.bearer(headers) else {
            return .failure(Self.bearerChallenge("Send Authorization: Bearer <publishSecret>."))
        }
        guard Self.matches(presented, publishSecret) else {
            return .failure(.forbidden("The bearer secret is wrong."))
        }
        return .success(.backend)
    }

    private func webhookSender(_ request: HTTPRequest, _ peer: SocketAddress?) -> Result<Principal, HTTPError> {
        let headers = request.head.headers
        guard let webhookSecret else {
            if LoopbackTrust.isTrusted(peer: peer, headers: headers) { return .success(.webhookSender) }
            return .failure(.forbidden(
                LoopbackTrust.refusal(peer: peer, headers: headers, remedy: "configure whatsapp.webhookSecret to accept webhooks from elsewhere")))
        }
        guard WebhookVerifier.verify(headers: headers, body: request.body, secret: webhookSecret) else {
            return .failure(.unauthorized(
                "The webhook sender could not be verified (x-api-key or X-Webhook-Hmac)."))
        }
        return .success(.webhookSender)
    }

    /// `source` is the caller's address key, charged for failed authentications (AuthQuotas).
    private func user(_ headers: HTTPHeaders, source: String?, _ completion: @escaping Completion) {
        guard let token = UserCredentials.token(from: headers) else {
            return completion(.failure(Self.bearerChallenge("Send Authorization: Bearer <token> or Espo-Authorization: base64(username:token).")))
        }
        let adminUsers = self.adminUsers
        authenticator.authenticateOwner(token: token, source: source) { outcome in
            switch outcome {
            case .admitted(let userId, _): completion(.success(.user(id: userId, isAdmin: adminUsers.contains(userId))))
            case .unauthorized(let m): completion(.failure(.unauthorized(m)))
            case .forbidden(let m): completion(.failure(.forbidden(m)))
            case .refused(let refusal): completion(.failure(refusal))
            }
        }
    }

    /// The publish secret, else the user token's owner if listed in `auth.adminUsers`, else —
    /// with no credentials at all and no secret configured — a trusted loopback peer (the same
    /// trust the backend routes give it). A request that names a user is judged as that user.
    private func admin(_ headers: HTTPHeaders, _ peer: SocketAddress?, _ completion: @escaping Completion) {
        if let publishSecret, let presented = UserCredentials.bearer(headers), Self.matches(presented, publishSecret) {
            return completion(.success(.backend))
        }
        guard UserCredentials.token(from: headers) != nil else {
            guard publishSecret == nil else {
                return completion(.failure(Self.bearerChallenge(
                    "Send Authorization: Bearer <publishSecret>, or the token of a user listed in auth.adminUsers.")))
            }
            if LoopbackTrust.isTrusted(peer: peer, headers: headers) { return completion(.success(.backend)) }
            return completion(.failure(Self.bearerChallenge(LoopbackTrust.refusal(peer: peer, headers: headers,
                remedy: "send the token of a user listed in auth.adminUsers, or configure a publishSecret"))))
        }
        user(headers, source: SourceAddressKey.key(peer: peer, headers: headers)) { result in
            switch result {
            case .success(.user(let id, isAdmin: false)):
                completion(.failure(.forbidden(
                    "This action needs an admin: user \(id) is not listed in auth.adminUsers.")))
            default:
                completion(result)
            }
        }
    }

    /// `401` with the bearer challenge.
    private static func bearerChallenge(_ message: String) -> HTTPError {
        .unauthorized(message, headers: [("WWW-Authenticate", "Bearer")])
    }

    /// Compares digests, so the time depends on neither the secret's bytes nor its length.
    private static func matches(_ presented: String, _ secret: String) -> Bool {
        Digest.constantTimeEqual(Digest.sha256(Array(presented.utf8)), Digest.sha256(Array(secret.utf8)))
    }
}
