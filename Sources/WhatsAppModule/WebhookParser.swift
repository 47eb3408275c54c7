import PushCodec

/// Turns a webhook body from either upstream into one `WebhookEvent` or a precise `WebhookError`.
///
/// Pure: no I/O, no clock, no state, so every fixture maps to exactly one answer. Shapes:
/// - wwebjs-api `{"dataType", "data", "sessionId"}`, the message in `data.message` or flat in `data`;
/// - WAHA `{"event", "session", "payload"}` (`message`, `message.any`, `message.ack`, `session.status`,
///   `state.change`).
/// Events it does not act on become `.ignored(reason)`, which the route acknowledges with a 2xx.
public enum WebhookParser {
    /// Parses one webhook body; see `WebhookError` for the 400/422 cases.
    public static func parse(body: [UInt8]) -> Result<WebhookEvent, WebhookError> {
        Result { () throws(WebhookError) -> WebhookEvent in try event(from: body) }
    }

    package static func event(from body: [UInt8]) throws(WebhookError) -> WebhookEvent {
        let isBlank = body.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        if isBlank { throw .emptyBody }
        let json: JSONValue
        do { json = try JSONParser.parse(body) } catch { throw .invalidJSON(error.message) }
        guard let object = json.objectValue else { throw .notAnObject }
        let top = WebhookFields(object, path: "")
        if let dataType = try top.string("dataType") { return try wwebjs(dataType, top) }
        if let event = try top.string("event") { return try waha(event, top) }
        throw .missingEvent
    }

    // MARK: wwebjs-api

    private static func wwebjs(_ dataType: String, _ top: WebhookFields) throws(WebhookError) -> WebhookEvent {
        switch dataType {
        case "message", "message_create":
            let message = try messageFields(in: data(top, dataType), dataType)
            return try messageEvent(message, source: dataType)
        case "message_ack":
            let data = try data(top, dataType)
            return try WebhookMessageDecoder.decodeAck(messageFields(in: data, dataType), ack: data.int("ack"))
        case "ready", "authenticated":
            // These two carry no `data` key at all.
            return .lifecycle(sessionId: try sessionID(top, "sessionId"), state: dataType)
        case "qr":
            return .lifecycle(sessionId: try sessionID(top, "sessionId"), state: "qr")
        case "status":
            // wwebjs-api sends `auth_failure` under this name, with `{msg}`.
            return .lifecycle(sessionId: try sessionID(top, "sessionId"), state: "auth_failure")
        case "change_state":
            return .lifecycle(sessionId: try sessionID(top, "sessionId"), state: try required(data(top, dataType), "state"))
        case "disconnected":
            return .lifecycle(sessionId: try sessionID(top, "sessionId"), state: try required(data(top, dataType), "reason"))
        default:
            return notHandled(dataType)
        }
    }

    /// `data.message`, or `data` itself when the message is flat in it (the shape the CRM also accepted).
    private static func messageFields(in data: WebhookFields, _ event: String) throws(WebhookError) -> WebhookFields {
        if let message = try data.object("message") { return message }
        if data.contains("body") || data.contains("id") { return data }
        throw .missingData(data.path("message"), event: event)
    }

    // MARK: WAHA

    private static func waha(_ event: String, _ top: WebhookFields) throws(WebhookError) -> WebhookEvent {
        switch event {
        case "message", "message.any":
            return try messageEvent(payload(top, event), source: event)
        case "message.ack":
            return try WebhookMessageDecoder.decodeAck(payload(top, event), ack: nil)
        case "session.status":
            let payload = try payload(top, event)
            // The 2024.10 payload named the session inside it as `name`.
            let named = try payload.string("name")
            guard let session = try top.string("session") ?? named else { throw .missingField("session") }
            return .lifecycle(sessionId: session, state: try required(payload, "status"))
        case "state.change":
            let payload = try payload(top, event)
            let status = try payload.string("status")
            guard let state = try payload.string("state") ?? status else {
                throw .missingField(payload.path("state"))
            }
            return .lifecycle(sessionId: try sessionID(top, "session"), state: state)
        default:
            return notHandled(event)
        }
    }

    // MARK: Shared

    private static func messageEvent(_ message: WebhookFields, source: String) throws(WebhookError) -> WebhookEvent {
        switch try WebhookMessageDecoder.decode(message) {
        case .message(let decoded): .message(decoded, source: source)
        case .ignored(let reason): .ignored(reason: reason)
        }
    }

    private static func notHandled(_ event: String) -> WebhookEvent {
        .ignored(reason: "event \(event) is not handled")
    }

    private static func data(_ top: WebhookFields, _ event: String) throws(WebhookError) -> WebhookFields {
        guard let data = try top.object("data") else { throw .missingData("data", event: event) }
        return data
    }

    private static func payload(_ top: WebhookFields, _ event: String) throws(WebhookError) -> WebhookFields {
        guard let payload = try top.object("payload") else { throw .missingData("payload", event: event) }
        return payload
    }

    private static func sessionID(_ top: WebhookFields, _ key: String) throws(WebhookError) -> String {
        try required(top, key)
    }

    private static func required(_ fields: WebhookFields, _ key: String) throws(WebhookError) -> String {
        guard let value = try fields.string(key), !value.isEmpty else { throw .missingField(fields.path(key)) }
        return value
    }
}

extension WebhookParser {
    /// One upstream message object (a `fetchMessages` row) as a storable message, or nil when
    /// it is not one (system types, status posts, no id).
    package static func message(from json: JSONValue) -> WhatsAppMessage? {
        guard case .object(let o) = json,
              case .message(let m)? = try? WebhookMessageDecoder.decode(WebhookFields(o, path: "message")) else { return nil }
        return m
    }
}
