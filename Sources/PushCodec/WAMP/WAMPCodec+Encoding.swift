extension WAMPCodec {
    // MARK: Server to client

    /// `[0, sessionId, protocolVersion, serverIdent]`.
    public static func welcome(sessionId: String, protocolVersion: Int = 1, serverIdent: String) -> [UInt8] {
        encode([.number(WAMPMessageType.welcome.rawValue), .string(sessionId), .number(protocolVersion),
                .string(serverIdent)])
    }

    /// `[3, callId, result]`.
    public static func callResult(callId: String, result: JSONValue) -> [UInt8] {
        encode([.number(WAMPMessageType.callResult.rawValue), .string(callId), result])
    }

    /// `[4, callId, errorURI, description]`, plus `details` as a 5th element when given.
    public static func callError(callId: String, errorURI: String, description: String,
                                 details: JSONValue? = nil) -> [UInt8] {
        var elements: [JSONValue] = [.number(WAMPMessageType.callError.rawValue), .string(callId), .string(errorURI),
                                     .string(description)]
        if let details { elements.append(details) }
        return encode(elements)
    }

    /// `[8, topic, payload]`.
    public static func event(topic: String, payload: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: "[8,".utf8)
        JSONString.write(topic, into: &out)
        out.append(UInt8(ascii: ","))
        payload.write(into: &out)
        out.append(UInt8(ascii: "]"))
        return out
    }

    // MARK: Client to server

    /// `[1, prefix, uri]`.
    public static func prefix(_ prefix: String, uri: String) -> [UInt8] {
        encode([.number(WAMPMessageType.prefix.rawValue), .string(prefix), .string(uri)])
    }

    /// `[2, callId, procURI, arguments...]`.
    public static func call(callId: String, procURI: String, arguments: [JSONValue] = []) -> [UInt8] {
        encode([.number(WAMPMessageType.call.rawValue), .string(callId), .string(procURI)] + arguments)
    }

    /// `[5, topic]`.
    public static func subscribe(_ topic: String) -> [UInt8] {
        encode([.number(WAMPMessageType.subscribe.rawValue), .string(topic)])
    }

    /// `[6, topic]`.
    public static func unsubscribe(_ topic: String) -> [UInt8] {
        encode([.number(WAMPMessageType.unsubscribe.rawValue), .string(topic)])
    }

    /// `[7, topic, event]` with the optional tail of the chosen PUBLISH form.
    public static func publish(_ topic: String, event: JSONValue, options: WAMPPublishOptions = .none) -> [UInt8] {
        var elements: [JSONValue] = [.number(WAMPMessageType.publish.rawValue), .string(topic), event]
        switch options {
        case .none:
            break
        case .excludeMe(let excludeMe):
            elements.append(.bool(excludeMe))
        case .lists(let exclude, let eligible):
            elements.append(.array(exclude.map(JSONValue.string)))
            if let eligible { elements.append(.array(eligible.map(JSONValue.string))) }
        }
        return encode(elements)
    }

    /// Encodes any decoded client message back to bytes (round trip for tests and tools).
    public static func encode(_ message: WAMPClientMessage) -> [UInt8] {
        switch message {
        case .prefix(let p, let uri): prefix(p, uri: uri)
        case .call(let callId, let procURI, let arguments): call(callId: callId, procURI: procURI, arguments: arguments)
        case .subscribe(let topic): subscribe(topic)
        case .unsubscribe(let topic): unsubscribe(topic)
        case .publish(let topic, let event, let options): publish(topic, event: event, options: options)
        }
    }

    private static func encode(_ elements: [JSONValue]) -> [UInt8] {
        JSONValue.array(elements).jsonBytes
    }
}
