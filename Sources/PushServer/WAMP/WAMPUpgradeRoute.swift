import PushCodec

/// `GET /wss` and `GET /` with `Upgrade: websocket`: authenticate during the handshake (401/403,
/// no upgrade), then answer 101 with the `wamp` subprotocol when it was offered.
struct WAMPUpgradeRoute: UpgradeRoute {
    let authenticator: TokenAuthenticator
    let services: WAMPServices

    func decide(_ request: HTTPRequest, _ upgrade: WebSocketHandshake.UpgradeRequest, _ context: RequestContext,
                _ decide: @escaping @Sendable (UpgradeDecision) -> Void) {
        let head = request.head
        let subprotocol = WebSocketHandshake.chooseSubprotocol(offered: upgrade.offeredProtocols, supported: ["wamp"])
        let services = self.services
        authenticator.authenticate(token: head.queryValue("authToken") ?? "", userId: head.queryValue("userId") ?? "") { outcome in
            switch outcome {
            case .admitted(let userId, let tokenHash):
                decide(.accept(subprotocol: subprotocol, make: { socket in
                    WAMPSession(socket: socket, userId: userId, tokenHash: tokenHash, services: services)
                }))
            case .unauthorized(let message):
                decide(.reject(HTTPError(status: 401, code: "unauthorized", message: message, closeConnection: true)))
            case .forbidden(let message):
                decide(.reject(HTTPError(status: 403, code: "forbidden", message: message, closeConnection: true)))
            }
        }
    }
}
