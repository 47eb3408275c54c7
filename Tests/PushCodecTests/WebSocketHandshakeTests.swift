import Testing
@testable import PushCodec

@Suite struct WebSocketHandshakeTests {
    /// The RFC 6455 §1.3 example request, with a `wamp` offer.
    func request(method: String = "GET", version: HTTPVersion = .http1_1, drop: Set<String> = [],
                 replace: [String: String] = [:], extra: [(String, String)] = []) -> HTTPRequestHead {
        var fields: [(String, String)] = [
            ("Host", "server.example.com"),
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ("Origin", "http://example.com"),
            ("Sec-WebSocket-Protocol", "wamp"),
            ("Sec-WebSocket-Version", "13"),
        ]
        fields = fields.filter { !drop.contains($0.0) }.map { ($0.0, replace[$0.0] ?? $0.1) } + extra
        return HTTPRequestHead(method: method, target: "/wss?authToken=a&userId=b", version: version, headers: HTTPHeaders(fields))
    }

    func rejection(_ head: HTTPRequestHead) -> HTTPError? {
        if case .failure(let error) = WebSocketHandshake.validate(head) { return error }
        return nil
    }

    @Test func acceptValue_matchesRFCExample() {
        #expect(WebSocketHandshake.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test func validate_acceptsRFCExampleRequest() {
        #expect(WebSocketHandshake.validate(request())
            == .success(.init(key: "dGhlIHNhbXBsZSBub25jZQ==", offeredProtocols: ["wamp"])))
    }

    @Test func validate_acceptsNoSubprotocolAndMixedCaseTokens() {
        let head = request(drop: ["Sec-WebSocket-Protocol"], replace: ["Upgrade": "WebSocket", "Connection": "keep-alive, Upgrade"])
        #expect(WebSocketHandshake.validate(head) == .success(.init(key: "dGhlIHNhbXBsZSBub25jZQ==", offeredProtocols: [])))
    }

    @Test func validate_collectsOfferedProtocolsInOrder() {
        let head = request(replace: ["Sec-WebSocket-Protocol": "chat, wamp"], extra: [("Sec-WebSocket-Protocol", "mqtt")])
        #expect(WebSocketHandshake.validate(head) == .success(.init(key: "dGhlIHNhbXBsZSBub25jZQ==", offeredProtocols: ["chat", "wamp", "mqtt"])))
    }

    @Test func validate_rejectsNonGET() {
        #expect(rejection(request(method: "POST")) == HTTPError(status: 400, code: "bad_request",
            message: "WebSocket upgrade requires GET.", closeConnection: true))
    }

    @Test func validate_rejectsHTTP10() {
        #expect(rejection(request(version: .http1_0)) == .badRequest("WebSocket upgrade requires HTTP/1.1 or later."))
    }

    @Test func validate_rejectsMissingHost() {
        #expect(rejection(request(drop: ["Host"])) == .badRequest("WebSocket upgrade requires a Host header."))
    }

    @Test func validate_rejectsMissingOrWrongUpgrade() {
        let message = "WebSocket upgrade requires an Upgrade header containing websocket."
        #expect(rejection(request(drop: ["Upgrade"])) == .badRequest(message))
        #expect(rejection(request(replace: ["Upgrade": "h2c"])) == .badRequest(message))
    }

    @Test func validate_rejectsConnectionWithoutUpgrade() {
        let message = "WebSocket upgrade requires a Connection header containing Upgrade."
        #expect(rejection(request(replace: ["Connection": "keep-alive"])) == .badRequest(message))
        #expect(rejection(request(drop: ["Connection"])) == .badRequest(message))
    }

    @Test func validate_answersOtherVersionsWith426() throws {
        let expected = HTTPError(status: 426, code: "upgrade_required", message: "Only WebSocket version 13 is supported.",
                                 headers: [("Sec-WebSocket-Version", "13")])
        #expect(rejection(request(replace: ["Sec-WebSocket-Version": "8"])) == expected)
        #expect(rejection(request(drop: ["Sec-WebSocket-Version"])) == expected)
        #expect(rejection(request(extra: [("Sec-WebSocket-Version", "8")])) == expected)
        let error = try #require(rejection(request(replace: ["Sec-WebSocket-Version": "7"])))
        #expect(error.status == 426 && error.headers.first?.0 == "Sec-WebSocket-Version" && error.headers.first?.1 == "13")
    }

    @Test func validate_rejectsMissingOrDuplicateKey() {
        let message = "WebSocket upgrade requires exactly one Sec-WebSocket-Key header."
        #expect(rejection(request(drop: ["Sec-WebSocket-Key"])) == .badRequest(message))
        #expect(rejection(request(extra: [("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAA==")])) == .badRequest(message))
    }

    @Test(arguments: ["", "not base64 at all", "dGhlIHNhbXBsZSBub25j", "dGhlIHNhbXBsZSBub25jZSE=", "dGhlIHNhbXBsZSBub25jZQ"])
    func validate_rejectsKeyThatIsNot16Base64Bytes(key: String) {
        #expect(rejection(request(replace: ["Sec-WebSocket-Key": key])) == .badRequest("Sec-WebSocket-Key must be 16 bytes in base64."))
    }

    @Test func isUpgradeRequest_looksForWebsocketToken() {
        #expect(WebSocketHandshake.isUpgradeRequest(request()))
        #expect(WebSocketHandshake.isUpgradeRequest(request(replace: ["Upgrade": "WEBSOCKET"])))
        #expect(!WebSocketHandshake.isUpgradeRequest(request(drop: ["Upgrade"])))
        #expect(!WebSocketHandshake.isUpgradeRequest(request(replace: ["Upgrade": "h2c"])))
    }

    @Test func chooseSubprotocol_takesClientsFirstSupportedOffer() {
        #expect(WebSocketHandshake.chooseSubprotocol(offered: ["chat", "wamp"], supported: ["wamp"]) == "wamp")
        #expect(WebSocketHandshake.chooseSubprotocol(offered: ["b", "a"], supported: ["a", "b"]) == "b")
        #expect(WebSocketHandshake.chooseSubprotocol(offered: ["WAMP"], supported: ["wamp"]) == nil)
        #expect(WebSocketHandshake.chooseSubprotocol(offered: [], supported: ["wamp"]) == nil)
    }

    @Test func switchingProtocolsResponse_hasExactBytes() {
        let withProtocol = WebSocketHandshake.switchingProtocolsResponse(accept: "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", subprotocol: "wamp")
        #expect(String(decoding: withProtocol, as: UTF8.self)
            == "HTTP/1.1 101 Switching Protocols\r\nServer: wamp-push/0.1.0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: wamp\r\n\r\n")
        let without = WebSocketHandshake.switchingProtocolsResponse(accept: "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", subprotocol: nil)
        #expect(without == Array(("HTTP/1.1 101 Switching Protocols\r\nServer: wamp-push/0.1.0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n").utf8))
    }
}
