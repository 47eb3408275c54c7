import PushCodec

/// What `session/start` did; both mean the session now exists.
public enum UpstreamStartOutcome: Sendable, Equatable {
    /// The upstream created the session.
    case started
    /// `422 Session already exists`: it was running already (start is idempotent for us).
    case alreadyRunning
}

/// `GET /session/status/:id`.
public struct UpstreamSessionStatus: Sendable, Equatable {
    /// A WAState (`CONNECTED`, `UNPAIRED`, `OPENING`, ...) or nil when the upstream reports `null`.
    public var state: String?
    /// `session_connected`, `session_not_connected`, `session_not_found`, `browser tab closed`, ...
    public var message: String
    /// True only for `state == "CONNECTED"` (as wwebjs-api's own `success`).
    public var connected: Bool

    public init(state: String?, message: String, connected: Bool) {
        self.state = state
        self.message = message
        self.connected = connected
    }
}

/// `GET /session/qr/:id`.
public enum UpstreamQRCode: Sendable, Equatable {
    /// The raw QR payload to render (`2@...`).
    case code(String)
    /// No QR to show, with the upstream's reason (`qr code not ready or already scanned`, `session_not_found`).
    case notReady(String)
}

/// The message `client/sendMessage` returns.
public struct UpstreamSentMessage: Sendable, Equatable {
    /// `id._serialized`, e.g. `true_491701234567@c.us_3EB0...`: the id its webhook echo will carry.
    public var id: String
    /// Unix seconds, when present.
    public var timestamp: Int64?
    /// wwebjs MessageAck (-1 error ... 4 played), when present.
    public var ack: Int?
    /// The whole serialized wwebjs Message.
    public var message: JSONValue

    public init(id: String, timestamp: Int64?, ack: Int?, message: JSONValue) {
        self.id = id
        self.timestamp = timestamp
        self.ack = ack
        self.message = message
    }
}
