/// Turns the bytes of a WebSocket stream into frames, however the stream was cut into reads.
///
/// Push-fed and resumable: `decode` consumes every byte it is given and keeps between calls only
/// a split header (at most 14 bytes) or the part of a payload received so far. A frame that lies
/// wholly inside one input is unmasked in place and handed out without a copy. Every rule the
/// header can break is checked as soon as the header bytes arrive, before any payload is buffered.
/// Non-minimal length encodings (e.g. 5 bytes sent with a 16-bit length) are accepted: RFC 6455
/// §5.2 says the minimal form "MUST" be used but gives the receiver no duty to reject others.
public struct FrameDecoder: Sendable {
    /// Which side of the connection decodes, which decides the masking rule (RFC 6455 §5.1).
    public enum Role: Sendable {
        /// Decodes client frames, which must be masked.
        case server
        /// Decodes server frames, which must not be masked.
        case client
    }

    private enum State: Sendable {
        /// Waiting for (the rest of) a header: first two bytes, extended length, mask key.
        case header
        /// Header known; `partial` holds the unmasked payload bytes received so far.
        case payload(FrameHeader)
    }

    // Every idle WebSocket connection holds a decoder, so its fields are ordered to leave no
    // padding (`role` fills the word `state` ends in) and the rarely set error is boxed
    // (Docs/benchmarks.md, "Idle memory per connection").
    /// Largest payload accepted in one frame; a bigger one fails with `.messageTooBig`.
    public let maxFrameBytes: Int
    private var state: State = .header
    public let role: Role
    private var headerSpill: [UInt8] = []
    private var partial: [UInt8] = []
    private var failure: StoredWebSocketError?

    public init(maxFrameBytes: Int, role: Role) {
        self.maxFrameBytes = maxFrameBytes
        self.role = role
    }

    /// The error that stopped this decoder, if any; once set every later `decode` throws it again.
    public var error: WebSocketError? { failure?.error }

    /// Bytes of storage held between calls (header spill plus payload buffer); for tests.
    var retainedCapacity: (header: Int, payload: Int) { (headerSpill.capacity, partial.capacity) }

    /// Consumes all of `input`, calling `onFrame` with the unmasked payload of every completed frame.
    ///
    /// `input` is modified: payloads inside it are unmasked in place. The payload pointer is valid
    /// only during the callback. A `WebSocketError` thrown by `onFrame` also fails the decoder.
    public mutating func decode(
        _ input: UnsafeMutableRawBufferPointer,
        _ onFrame: (FrameHeader, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        if let failure { throw failure.error }
        do {
            try run(input, onFrame)
        } catch let error as WebSocketError {
            failure = StoredWebSocketError(error)
            state = .header
            headerSpill = []
            partial = []
            throw error
        }
    }

    private mutating func run(
        _ input: UnsafeMutableRawBufferPointer,
        _ onFrame: (FrameHeader, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let end = input.count
        var pos = 0
        while pos < end {
            switch state {
            case .header:
                guard let (header, used) = try takeHeader(input, from: pos) else { return }
                pos += used
                let length = header.payloadLength
                if end - pos >= length {
                    // Fast path: the whole payload is here, unmask it where it lies.
                    let payload = UnsafeMutableRawBufferPointer(rebasing: input[pos..<(pos + length)])
                    if header.masked { Masking.apply(key: header.maskKey, offset: 0, to: payload) }
                    pos += length
                    try onFrame(header, UnsafeRawBufferPointer(payload))
                } else {
                    state = .payload(header)
                }
            case .payload(let header):
                let take = min(header.payloadLength - partial.count, end - pos)
                let start = partial.count
                partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[pos..<(pos + take)]))
                pos += take
                if header.masked {
                    partial.withUnsafeMutableBytes { all in
                        Masking.apply(key: header.maskKey, offset: start,
                                      to: UnsafeMutableRawBufferPointer(rebasing: all[start..<(start + take)]))
                    }
                }
                if partial.count == header.payloadLength {
                    state = .header
                    defer {
                        partial = [] // idle connections keep no payload storage
                    }
                    try partial.withUnsafeBytes { try onFrame(header, $0) }
                }
            }
        }
    }

    /// Parses a header starting at `pos`, completing a spilled one first; nil when more bytes are needed.
    private mutating func takeHeader(_ input: UnsafeMutableRawBufferPointer, from pos: Int) throws -> (FrameHeader, Int)? {
        let available = UnsafeRawBufferPointer(rebasing: input[pos...])
        if headerSpill.isEmpty {
            if let parsed = try parseHeader(available) { return parsed }
            // Incomplete, so fewer than 14 bytes remain: keep them for the next call.
            headerSpill.append(contentsOf: available)
            return nil
        }
        var used = 0
        while true {
            if let (header, _) = try headerSpill.withUnsafeBytes({ try parseHeader($0) }) {
                headerSpill.removeAll(keepingCapacity: true)
                return (header, used)
            }
            guard used < available.count else { return nil }
            let wanted = headerSpill.count < 2 ? 2 - headerSpill.count : Self.headerSize(secondByte: headerSpill[1]) - headerSpill.count
            let take = min(wanted, available.count - used)
            headerSpill.append(contentsOf: UnsafeRawBufferPointer(rebasing: available[used..<(used + take)]))
            used += take
        }
    }

    /// Total header size implied by the second header byte.
    private static func headerSize(secondByte b1: UInt8) -> Int {
        let lengthBytes = switch b1 & 0x7F { case 126: 2; case 127: 8; default: 0 }
        return 2 + lengthBytes + (b1 & 0x80 != 0 ? 4 : 0)
    }

    /// Validates as much of a header as `bytes` holds; returns it and its size once complete.
    private func parseHeader(_ bytes: UnsafeRawBufferPointer) throws -> (FrameHeader, Int)? {
        guard bytes.count >= 2 else { return nil }
        let b0 = bytes[0], b1 = bytes[1]
        let fin = b0 & 0x80 != 0
        let rsv1 = b0 & 0x40 != 0, rsv2 = b0 & 0x20 != 0, rsv3 = b0 & 0x10 != 0
        if rsv1 { throw WebSocketError.protocolError("RSV1 is set but no extension was negotiated") }
        if rsv2 { throw WebSocketError.protocolError("RSV2 is set but no extension was negotiated") }
        if rsv3 { throw WebSocketError.protocolError("RSV3 is set but no extension was negotiated") }
        let opcode = Opcode(rawValue: b0 & 0x0F)
        if opcode.isReserved { throw WebSocketError.protocolError("reserved opcode \(opcode.rawValue)") }
        let masked = b1 & 0x80 != 0
        let shortLength = Int(b1 & 0x7F)
        if opcode.isControl {
            if !fin { throw WebSocketError.protocolError("fragmented \(opcode) frame") }
            if shortLength > 125 { throw WebSocketError.protocolError("\(opcode) frame longer than 125 bytes") }
        }
        switch role {
        case .server where !masked: throw WebSocketError.protocolError("client frame is not masked")
        case .client where masked: throw WebSocketError.protocolError("server frame is masked")
        default: break
        }

        let size = Self.headerSize(secondByte: b1)
        var length = shortLength
        if shortLength == 126 {
            guard bytes.count >= 4 else { return nil }
            length = Int(bytes[2]) << 8 | Int(bytes[3])
        } else if shortLength == 127 {
            guard bytes.count >= 10 else { return nil }
            var wide: UInt64 = 0
            for i in 2..<10 { wide = wide << 8 | UInt64(bytes[i]) }
            if wide >> 63 != 0 { throw WebSocketError.protocolError("64-bit payload length has its top bit set") }
            guard wide <= UInt64(maxFrameBytes) else { throw Self.tooBig(String(wide), maxFrameBytes) }
            length = Int(wide)
        }
        if length > maxFrameBytes { throw Self.tooBig(String(length), maxFrameBytes) }

        guard bytes.count >= size else { return nil }
        var key: UInt32 = 0
        if masked {
            for i in (size - 4)..<size { key = key << 8 | UInt32(bytes[i]) }
        }
        let header = FrameHeader(fin: fin, opcode: opcode, masked: masked, payloadLength: length, maskKey: key)
        return (header, size)
    }

    private static func tooBig(_ length: String, _ limit: Int) -> WebSocketError {
        .messageTooBig("frame of \(length) bytes exceeds the limit of \(limit)")
    }
}
