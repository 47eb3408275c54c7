/// Pure WAMP v1 codec: decodes client and server messages, encodes both directions.
///
/// Decoding is strict: a wrong element count or type is an error with a one-line
/// reason (PREFIX, SUBSCRIBE and UNSUBSCRIBE with extra trailing elements too),
/// because the server closes the connection with that reason.
public enum WAMPCodec {
    /// Decodes one client-to-server message from a WebSocket text payload.
    public static func decodeClientMessage(_ bytes: UnsafeRawBufferPointer) throws(WAMPError) -> WAMPClientMessage {
        let (type, elements) = try splitMessage(bytes)
        switch type {
        case .prefix:
            guard elements.count == 3 else { throw WAMPError("PREFIX needs [1, prefix, uri]") }
            guard let prefix = elements[1].stringValue else { throw WAMPError("PREFIX prefix must be a string") }
            guard let uri = elements[2].stringValue else { throw WAMPError("PREFIX uri must be a string") }
            return .prefix(prefix: prefix, uri: uri)
        case .call:
            guard elements.count >= 3 else { throw WAMPError("CALL needs [2, callId, procURI, arguments...]") }
            guard let callId = elements[1].stringValue else { throw WAMPError("CALL id must be a string") }
            guard let procURI = elements[2].stringValue else { throw WAMPError("CALL procedure URI must be a string") }
            return .call(callId: callId, procURI: procURI, arguments: Array(elements[3...]))
        case .subscribe:
            guard elements.count == 2 else { throw WAMPError("SUBSCRIBE needs [5, topicURI]") }
            return .subscribe(topic: try topic(elements[1]))
        case .unsubscribe:
            guard elements.count == 2 else { throw WAMPError("UNSUBSCRIBE needs [6, topicURI]") }
            return .unsubscribe(topic: try topic(elements[1]))
        case .publish:
            return try decodePublish(elements)
        case .welcome, .callResult, .callError, .event:
            throw WAMPError("server-to-client message type \(type.rawValue) (\(type.name)) sent by client")
        }
    }

    /// Decodes one client-to-server message from bytes.
    public static func decodeClientMessage(_ bytes: [UInt8]) throws(WAMPError) -> WAMPClientMessage {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(WAMPError) -> WAMPClientMessage in try decodeClientMessage(raw) }
        }
        return try result.get()
    }

    /// PUBLISH forms: `[7,t,e]`, `[7,t,e,excludeMe]`, `[7,t,e,exclude]`, `[7,t,e,exclude,eligible]`.
    private static func decodePublish(_ elements: [JSONValue]) throws(WAMPError) -> WAMPClientMessage {
        guard (3...5).contains(elements.count) else {
            throw WAMPError("PUBLISH needs [7, topicURI, event] with optional excludeMe or exclude, eligible")
        }
        let topicURI = try topic(elements[1])
        let event = elements[2]
        switch elements.count {
        case 3:
            return .publish(topic: topicURI, event: event, options: .none)
        case 4:
            if let excludeMe = elements[3].boolValue {
                return .publish(topic: topicURI, event: event, options: .excludeMe(excludeMe))
            }
            // AutobahnJS sends a bare exclude list as the 4th element when eligible is omitted.
            guard elements[3].arrayValue != nil else { throw WAMPError("PUBLISH excludeMe must be a boolean") }
            let exclude = try sessionIds(elements[3], list: "exclude")
            return .publish(topic: topicURI, event: event, options: .lists(exclude: exclude, eligible: nil))
        default:
            let exclude = try sessionIds(elements[3], list: "exclude")
            let eligible = try sessionIds(elements[4], list: "eligible")
            return .publish(topic: topicURI, event: event, options: .lists(exclude: exclude, eligible: eligible))
        }
    }

    private static func sessionIds(_ value: JSONValue, list: String) throws(WAMPError) -> [String] {
        guard let array = value.arrayValue else { throw WAMPError("PUBLISH \(list) must be a list of session ids") }
        var ids: [String] = []
        ids.reserveCapacity(array.count)
        for element in array {
            guard let id = element.stringValue else {
                throw WAMPError("PUBLISH \(list) list must contain session id strings")
            }
            ids.append(id)
        }
        return ids
    }

    static func topic(_ value: JSONValue) throws(WAMPError) -> String {
        guard let topic = value.stringValue else { throw WAMPError("topic URI must be a string") }
        return topic
    }

    /// Parses the JSON array and its leading type id, shared by both decoders.
    static func splitMessage(_ bytes: UnsafeRawBufferPointer) throws(WAMPError) -> (WAMPMessageType, [JSONValue]) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw WAMPError("invalid JSON: \(error.message)")
        }
        guard let elements = value.arrayValue else { throw WAMPError("message is not a JSON array") }
        guard let first = elements.first else { throw WAMPError("empty message") }
        guard let raw = first.int64Value, let typeId = Int(exactly: raw) else {
            throw WAMPError("message type must be an integer")
        }
        guard let type = WAMPMessageType(rawValue: typeId) else { throw WAMPError("unknown message type \(typeId)") }
        return (type, elements)
    }
}
