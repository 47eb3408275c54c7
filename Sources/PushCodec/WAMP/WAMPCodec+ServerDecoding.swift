extension WAMPCodec {
    /// Decodes one server-to-client message (for our own clients: tests, doctor, load generator).
    public static func decodeServerMessage(_ bytes: UnsafeRawBufferPointer) throws(WAMPError) -> WAMPServerMessage {
        let (type, elements) = try splitMessage(bytes)
        switch type {
        case .welcome:
            guard elements.count == 4 else { throw WAMPError("WELCOME needs [0, sessionId, version, serverIdent]") }
            guard let sessionId = elements[1].stringValue else { throw WAMPError("WELCOME session id must be a string") }
            guard let raw = elements[2].int64Value, let version = Int(exactly: raw) else {
                throw WAMPError("WELCOME protocol version must be an integer")
            }
            guard let ident = elements[3].stringValue else { throw WAMPError("WELCOME server ident must be a string") }
            return .welcome(sessionId: sessionId, version: version, serverIdent: ident)
        case .callResult:
            guard elements.count == 3 else { throw WAMPError("CALLRESULT needs [3, callId, result]") }
            guard let callId = elements[1].stringValue else { throw WAMPError("CALL id must be a string") }
            return .callResult(callId: callId, result: elements[2])
        case .callError:
            guard elements.count == 4 || elements.count == 5 else {
                throw WAMPError("CALLERROR needs [4, callId, errorURI, description, details?]")
            }
            guard let callId = elements[1].stringValue else { throw WAMPError("CALL id must be a string") }
            guard let errorURI = elements[2].stringValue else { throw WAMPError("CALLERROR error URI must be a string") }
            guard let description = elements[3].stringValue else {
                throw WAMPError("CALLERROR description must be a string")
            }
            let details: JSONValue? = elements.count == 5 ? elements[4] : nil
            return .callError(callId: callId, errorURI: errorURI, description: description, details: details)
        case .event:
            guard elements.count == 3 else { throw WAMPError("EVENT needs [8, topicURI, event]") }
            return .event(topic: try topic(elements[1]), payload: elements[2])
        case .prefix, .call, .subscribe, .unsubscribe, .publish:
            throw WAMPError("client-to-server message type \(type.rawValue) (\(type.name)) sent by server")
        }
    }

    /// Decodes one server-to-client message from bytes.
    public static func decodeServerMessage(_ bytes: [UInt8]) throws(WAMPError) -> WAMPServerMessage {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(WAMPError) -> WAMPServerMessage in try decodeServerMessage(raw) }
        }
        return try result.get()
    }
}
