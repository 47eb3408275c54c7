/// One frame as the server sent it (server frames are never masked).
public struct WebSocketClientFrame: Equatable, Sendable {
    public var fin: Bool
    public var opcode: UInt8
    public var payload: [UInt8]

    public init(fin: Bool, opcode: UInt8, payload: [UInt8]) {
        self.fin = fin
        self.opcode = opcode
        self.payload = payload
    }
}

/// Splits the server's byte stream into frames, checking every RFC 6455 §5 rule a server must follow:
/// no masking, no RSV bits, no reserved opcodes, unfragmented control frames of at most 125 bytes,
/// and minimal length encodings. Written independently of the server's codec so tests can check it.
/// Public for the fuzz target (Docs/fuzzing.md), which reads it against the server's codec.
public struct WebSocketFrameReader {
    public let maxPayloadBytes: Int
    private var buffer: [UInt8] = []
    private var readIndex = 0

    public init(maxPayloadBytes: Int, initialBytes: [UInt8] = []) {
        self.maxPayloadBytes = maxPayloadBytes
        self.buffer = initialBytes
    }

    public mutating func append(_ bytes: [UInt8]) {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex > 65536 && readIndex * 2 > buffer.count {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame, or nil when more bytes are needed.
    public mutating func next() throws(ClientError) -> WebSocketClientFrame? {
        let available = buffer.count - readIndex
        guard available >= 2 else { return nil }
        let b0 = buffer[readIndex], b1 = buffer[readIndex + 1]
        let fin = b0 & 0x80 != 0
        let rsv = (b0 >> 4) & 0x07
        let opcode = b0 & 0x0F
        if rsv != 0 { throw violation("a frame has RSV bits \(rsv) set, but no extension was negotiated") }
        switch opcode {
        case 0x0, 0x1, 0x2, 0x8, 0x9, 0xA: break
        default: throw violation("a frame uses the reserved opcode 0x\(String(opcode, radix: 16))")
        }
        if b1 & 0x80 != 0 { throw violation("a server frame is masked (servers must not mask)") }
        let isControl = opcode >= 0x8
        if isControl && !fin { throw violation("a control frame (opcode 0x\(String(opcode, radix: 16))) is fragmented") }

        var headerLength = 2
        var length = Int(b1 & 0x7F)
        if length == 126 {
            guard available >= 4 else { return nil }
            length = Int(buffer[readIndex + 2]) << 8 | Int(buffer[readIndex + 3])
            if length < 126 { throw violation("a \(length)-byte payload uses the 16-bit length form") }
            headerLength = 4
        } else if length == 127 {
            guard available >= 10 else { return nil }
            var value: UInt64 = 0
            for i in 2..<10 { value = value << 8 | UInt64(buffer[readIndex + i]) }
            if value >> 63 != 0 { throw violation("a 64-bit payload length has its most significant bit set") }
            if value <= 0xFFFF { throw violation("a \(value)-byte payload uses the 64-bit length form") }
            guard value <= UInt64(maxPayloadBytes) else {
                throw violation("a frame of \(value) bytes exceeds the client limit of \(maxPayloadBytes) bytes")
            }
            length = Int(value)
            headerLength = 10
        }
        if isControl && length > 125 { throw violation("a control frame carries \(length) bytes (at most 125 allowed)") }
        if length > maxPayloadBytes {
            throw violation("a frame of \(length) bytes exceeds the client limit of \(maxPayloadBytes) bytes")
        }
        guard available >= headerLength + length else { return nil }
        let start = readIndex + headerLength
        let payload = Array(buffer[start..<(start + length)])
        readIndex = start + length
        return WebSocketClientFrame(fin: fin, opcode: opcode, payload: payload)
    }

    private func violation(_ what: String) -> ClientError { ClientError(.protocolError, "WebSocket protocol error: \(what)") }
}
