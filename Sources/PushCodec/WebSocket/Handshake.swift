/// The server side of the WebSocket opening handshake (RFC 6455 §4.2).
public enum WebSocketHandshake {
    /// The fixed GUID appended to the client's key (RFC 6455 §1.3).
    public static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// What a valid upgrade request asked for.
    public struct UpgradeRequest: Sendable, Equatable {
        /// `Sec-WebSocket-Key` as sent (trimmed).
        public var key: String
        /// `Sec-WebSocket-Protocol` tokens in the client's order of preference.
        public var offeredProtocols: [String]

        public init(key: String, offeredProtocols: [String]) {
            self.key = key
            self.offeredProtocols = offeredProtocols
        }
    }

    /// `Sec-WebSocket-Accept` for a client key: base64 of SHA-1 of key + GUID.
    public static func acceptValue(forKey key: String) -> String {
        Base64.encode(Digest.sha1(Array((key + guid).utf8)))
    }

    /// True when the request asks for a WebSocket (`Upgrade: websocket`), so the router sends it here.
    public static func isUpgradeRequest(_ head: HTTPRequestHead) -> Bool {
        head.headers.containsToken("websocket", in: "Upgrade")
    }

    /// Checks each requirement of RFC 6455 §4.2.1 and says which one failed.
    ///
    /// The version is checked before the key so clients of older drafts (which send no
    /// `Sec-WebSocket-Key`) learn from the 426 which version to speak.
    public static func validate(_ head: HTTPRequestHead) -> Result<UpgradeRequest, HTTPError> {
        let headers = head.headers
        guard head.method == "GET" else {
            return .failure(.badRequest("WebSocket upgrade requires GET."))
        }
        guard head.version.major > 1 || (head.version.major == 1 && head.version.minor >= 1) else {
            return .failure(.badRequest("WebSocket upgrade requires HTTP/1.1 or later."))
        }
        guard let host = headers.first("Host"), !host.trimmingSpaces().isEmpty else {
            return .failure(.badRequest("WebSocket upgrade requires a Host header."))
        }
        guard headers.containsToken("websocket", in: "Upgrade") else {
            return .failure(.badRequest("WebSocket upgrade requires an Upgrade header containing websocket."))
        }
        guard headers.containsToken("upgrade", in: "Connection") else {
            return .failure(.badRequest("WebSocket upgrade requires a Connection header containing Upgrade."))
        }
        let versions = headers.all("Sec-WebSocket-Version")
        guard versions.count == 1, versions[0].trimmingSpaces() == "13" else {
            return .failure(.upgradeRequired("Only WebSocket version 13 is supported.",
                                             headers: [("Sec-WebSocket-Version", "13")]))
        }
        let keys = headers.all("Sec-WebSocket-Key")
        guard keys.count == 1 else {
            return .failure(.badRequest("WebSocket upgrade requires exactly one Sec-WebSocket-Key header."))
        }
        let key = String(keys[0].trimmingSpaces())
        guard let nonce = Base64.decode(key), nonce.count == 16 else {
            return .failure(.badRequest("Sec-WebSocket-Key must be 16 bytes in base64."))
        }
        return .success(UpgradeRequest(key: key, offeredProtocols: headers.tokens("Sec-WebSocket-Protocol")))
    }

    /// The first protocol the client offered that the server supports (exact, case-sensitive match).
    public static func chooseSubprotocol(offered: [String], supported: [String]) -> String? {
        offered.first { supported.contains($0) }
    }

    /// The complete `101 Switching Protocols` response head.
    public static func switchingProtocolsResponse(accept: String, subprotocol: String?) -> [UInt8] {
        var text = "HTTP/1.1 101 Switching Protocols\r\nServer: \(ServerIdentity.product)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        text += "Sec-WebSocket-Accept: \(accept)\r\n"
        if let subprotocol { text += "Sec-WebSocket-Protocol: \(subprotocol)\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }
}
