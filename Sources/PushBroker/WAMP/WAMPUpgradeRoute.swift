import PushCodec
import PushHTTP

/// `GET /wss` and `GET /` with `Upgrade: websocket`: authenticate during the handshake (401/403,
/// 429 from a quota; no upgrade), reserve one of the user's sessions, then answer 101 with
/// the `wamp` subprotocol when it was offered.
package struct WAMPUpgradeRoute: UpgradeRoute {
    package init(authenticator: TokenAuthenticator, quotas: AuthQuotas, services: WAMPServices) {
        self.authenticator = authenticator
        self.quotas = quotas
        self.services = services
        self.shared = WAMPServices.Shared(services, sessionQuota: quotas.sessions)
    }

    package let authenticator: TokenAuthenticator
    package let quotas: AuthQuotas
    package let services: WAMPServices
    private let shared: WAMPServices.Shared

    package func decide(_ request: HTTPRequest, _ upgrade: WebSocketHandshake.UpgradeRequest, _ context: RequestContext,
                _ decide: @escaping @Sendable (UpgradeDecision) -> Void) {
        let head = request.head
        let subprotocol = WebSocketHandshake.chooseSubprotocol(offered: upgrade.offeredProtocols, supported: ["wamp"])
        let services = self.shared
        let quotas = self.quotas
        let source = SourceAddressKey.key(peer: context.peer, headers: head.headers)
        authenticator.authenticate(token: head.queryValue("authToken") ?? "", userId: head.queryValue("userId") ?? "",
                                   source: source) { outcome in
            switch outcome {
            case .admitted(let userId, let tokenHash):
                switch quotas.reserveSession(for: userId, source: source) {
                case .failure(let refusal):
                    decide(.reject(refusal))
                case .success(let reservation):
                    // If the connection dies before the 101, this closure is dropped and the reservation with it.
                    decide(.accept(subprotocol: subprotocol, make: { webSocket in
                        WAMPSession(webSocket: webSocket, userId: userId, tokenHash: tokenHash, sessionReservation: reservation, services: services)
                    }))
                }
            case .unauthorized(let message):
                decide(.reject(.unauthorized(message, closeConnection: true)))
            case .forbidden(let message):
                decide(.reject(.forbidden(message, closeConnection: true)))
            case .refused(let refusal):
                decide(.reject(refusal))
            }
        }
    }
}
