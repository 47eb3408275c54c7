/// WAMP v1 message type ids (the first element of every message).
public enum WAMPMessageType: Int, Sendable, CaseIterable {
    case welcome = 0
    case prefix = 1
    case call = 2
    case callResult = 3
    case callError = 4
    case subscribe = 5
    case unsubscribe = 6
    case publish = 7
    case event = 8

    /// The spec's upper-case name, used in error reasons.
    public var name: String {
        switch self {
        case .welcome: "WELCOME"
        case .prefix: "PREFIX"
        case .call: "CALL"
        case .callResult: "CALLRESULT"
        case .callError: "CALLERROR"
        case .subscribe: "SUBSCRIBE"
        case .unsubscribe: "UNSUBSCRIBE"
        case .publish: "PUBLISH"
        case .event: "EVENT"
        }
    }

    /// True for the types a server sends (WELCOME, CALLRESULT, CALLERROR, EVENT).
    public var isServerToClient: Bool {
        switch self {
        case .welcome, .callResult, .callError, .event: true
        default: false
        }
    }
}

/// Who receives a PUBLISH, in the three WAMP v1 forms.
public enum WAMPPublishOptions: Sendable, Equatable {
    /// `[7, topic, event]`: everyone subscribed, publisher included.
    case none
    /// `[7, topic, event, excludeMe]`.
    case excludeMe(Bool)
    /// `[7, topic, event, exclude]` (eligible nil) or `[7, topic, event, exclude, eligible]`.
    case lists(exclude: [String], eligible: [String]?)
}

/// A message a WAMP v1 client sends.
public enum WAMPClientMessage: Sendable, Equatable {
    case prefix(prefix: String, uri: String)
    case call(callId: String, procURI: String, arguments: [JSONValue])
    case subscribe(topic: String)
    case unsubscribe(topic: String)
    case publish(topic: String, event: JSONValue, options: WAMPPublishOptions)
}

/// A message a WAMP v1 server sends.
public enum WAMPServerMessage: Sendable, Equatable {
    case welcome(sessionId: String, version: Int, serverIdent: String)
    case callResult(callId: String, result: JSONValue)
    case callError(callId: String, errorURI: String, description: String, details: JSONValue?)
    case event(topic: String, payload: JSONValue)
}

/// Why a WAMP message was rejected; `message` is one line of at most 120 bytes,
/// fit to be a WebSocket close reason (limit 123).
public struct WAMPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The maximum UTF-8 length of `message`.
    public static let maxMessageBytes = 120

    public var message: String

    /// Keeps the reason within `maxMessageBytes`, cutting on a character boundary.
    public init(_ message: String) {
        var text = message
        while text.utf8.count > Self.maxMessageBytes { text.removeLast() }
        self.message = text
    }

    /// Same as `init(_:)`, spelled like the stored property.
    public init(message: String) {
        self.init(message)
    }

    public var description: String { message }
}
