/// Turns decoded frames into messages, enforcing the fragmentation rules of RFC 6455 §5.4.
///
/// Unfragmented messages are passed through without a copy; fragments are gathered in a buffer
/// that is freed once the message is delivered. Text is validated fragment by fragment so an
/// invalid byte fails the connection at once, not when the message ends.
public struct MessageAssembler: Sendable {
    /// Largest message (sum of its fragments) accepted; a bigger one fails with `.messageTooBig`.
    public let maxMessageBytes: Int

    // Ordered so the two small fields share one word, and the rarely set error is boxed: every
    // idle WebSocket connection holds an assembler (Docs/benchmarks.md, "Idle memory per connection").
    /// Opcode of the fragmented message in progress (text or binary), if any.
    private var messageOpcode: Opcode?
    private var utf8 = UTF8Validator()
    private var fragments: [UInt8] = []
    private var failure: StoredWebSocketError?

    /// Bytes of fragment storage held between frames; for tests.
    var retainedCapacity: Int { fragments.capacity }

    public init(maxMessageBytes: Int) {
        self.maxMessageBytes = maxMessageBytes
    }

    /// Takes one frame and reports the events it completes; after an error every call throws it again.
    public mutating func push(
        _ header: FrameHeader,
        _ payload: UnsafeRawBufferPointer,
        _ onEvent: (WebSocketEvent) throws -> Void
    ) throws {
        if let failure { throw failure.error }
        do {
            try accept(header, payload, onEvent)
        } catch let error as WebSocketError {
            failure = StoredWebSocketError(error)
            messageOpcode = nil
            fragments = []
            throw error
        }
    }

    private mutating func accept(
        _ header: FrameHeader,
        _ payload: UnsafeRawBufferPointer,
        _ onEvent: (WebSocketEvent) throws -> Void
    ) throws {
        let opcode = header.opcode
        if opcode.isControl {
            // The decoder already enforces these; repeated so the assembler is safe on its own.
            guard header.fin, payload.count <= 125 else { throw WebSocketError.protocolError("invalid \(opcode) frame") }
        }
        switch opcode {
        case .ping:
            try onEvent(.ping(payload))
        case .pong:
            try onEvent(.pong(payload))
        case .close:
            let (code, reason) = try Self.parseClose(payload)
            try onEvent(.close(code: code, reason: reason))
        case .text, .binary:
            guard messageOpcode == nil else {
                throw WebSocketError.protocolError("new \(opcode) message while a fragmented message is in progress")
            }
            try checkSize(payload.count)
            if opcode == .text {
                utf8.reset()
                try validateText(payload, final: header.fin)
            }
            if header.fin {
                try onEvent(opcode == .text ? .text(payload) : .binary(payload))
            } else {
                messageOpcode = opcode
                fragments.append(contentsOf: payload)
            }
        case .continuation:
            guard let messageOpcode else { throw WebSocketError.protocolError("continuation frame without a message to continue") }
            try checkSize(fragments.count + payload.count)
            if messageOpcode == .text { try validateText(payload, final: header.fin) }
            fragments.append(contentsOf: payload)
            guard header.fin else { return }
            self.messageOpcode = nil
            defer { fragments = [] }
            try fragments.withUnsafeBytes { whole in
                try onEvent(messageOpcode == .text ? .text(whole) : .binary(whole))
            }
        default:
            throw WebSocketError.protocolError("reserved opcode \(opcode.rawValue)")
        }
    }

    private func checkSize(_ total: Int) throws {
        if total > maxMessageBytes {
            throw WebSocketError.messageTooBig("message exceeds the limit of \(maxMessageBytes) bytes")
        }
    }

    private mutating func validateText(_ bytes: UnsafeRawBufferPointer, final: Bool) throws {
        guard utf8.validate(bytes) else { throw WebSocketError.invalidUTF8("text message is not valid UTF-8") }
        if final && !utf8.isAtBoundary { throw WebSocketError.invalidUTF8("text message ends inside a UTF-8 sequence") }
    }

    /// Reads a close payload (RFC 6455 §5.5.1): nothing, or a 2-byte allowed code plus a UTF-8 reason.
    static func parseClose(_ payload: UnsafeRawBufferPointer) throws -> (UInt16?, String) {
        if payload.isEmpty { return (nil, "") }
        guard payload.count >= 2 else { throw WebSocketError.protocolError("close payload of 1 byte") }
        let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
        guard CloseCode.isAllowedOnWire(code) else { throw WebSocketError.protocolError("close code \(code) is not allowed") }
        let reason = UnsafeRawBufferPointer(rebasing: payload[2...])
        var validator = UTF8Validator()
        guard validator.validate(reason), validator.isAtBoundary else {
            throw WebSocketError.invalidUTF8("close reason is not valid UTF-8")
        }
        return (code, String(decoding: reason, as: UTF8.self))
    }
}
