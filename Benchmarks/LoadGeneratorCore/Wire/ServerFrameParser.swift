/// Parses UNMASKED WebSocket frames as a server sends them, straight out of a read buffer.
///
/// The load generator's own parser, kept to what a client needs at millions of frames per
/// second: a header decode, no copy, no unmasking, no UTF-8 check (the server under test is
/// trusted to be correct; its own test suite checks that).
public enum ServerFrameParser {
    /// A complete frame found in the buffer.
    public struct Frame: Equatable, Sendable {
        /// Opcode nibble (1 text, 2 binary, 0 continuation, 8 close, 9 ping, 10 pong).
        public let opcode: UInt8
        public let fin: Bool
        /// Offset of the payload from the start of the parsed buffer.
        public let payloadOffset: Int
        public let payloadCount: Int
        /// Offset just past this frame: where the next one starts.
        public var end: Int { payloadOffset + payloadCount }

        public init(opcode: UInt8, fin: Bool, payloadOffset: Int, payloadCount: Int) {
            self.opcode = opcode
            self.fin = fin
            self.payloadOffset = payloadOffset
            self.payloadCount = payloadCount
        }
    }

    /// What the parser found at an offset.
    public enum Step: Equatable, Sendable {
        case frame(Frame)
        /// Not enough bytes yet; keep them and read more.
        case incomplete
        case failed(ServerFrameError)
    }

    /// Decodes the frame starting at `offset`; never reads outside `buffer`.
    @inline(__always)
    public static func next(in buffer: UnsafeRawBufferPointer, at offset: Int) -> Step {
        let available = buffer.count - offset
        guard available >= 2, let base = buffer.baseAddress else { return .incomplete }
        let p = base + offset
        let b0 = p.load(as: UInt8.self)
        let b1 = p.load(fromByteOffset: 1, as: UInt8.self)
        if b1 & 0x80 != 0 { return .failed(.maskedServerFrame) }
        if b0 & 0x70 != 0 { return .failed(.reservedBitsSet) }
        var header = 2
        var length = Int(b1 & 0x7F)
        if length == 126 {
            guard available >= 4 else { return .incomplete }
            length = Int(p.load(fromByteOffset: 2, as: UInt8.self)) << 8 | Int(p.load(fromByteOffset: 3, as: UInt8.self))
            header = 4
        } else if length == 127 {
            guard available >= 10 else { return .incomplete }
            var value: UInt64 = 0
            for i in 2..<10 { value = value << 8 | UInt64(p.load(fromByteOffset: i, as: UInt8.self)) }
            guard value <= UInt64(Int32.max) else { return .failed(.frameTooLarge(value)) }
            length = Int(value)
            header = 10
        }
        guard available - header >= length else { return .incomplete }
        return .frame(Frame(opcode: b0 & 0x0F, fin: b0 & 0x80 != 0, payloadOffset: offset + header, payloadCount: length))
    }

    /// Bytes the whole frame starting at `offset` will take once complete, when the header is
    /// readable (lets a reader know a frame cannot fit its buffer).
    public static func declaredFrameSize(in buffer: UnsafeRawBufferPointer, at offset: Int) -> Int? {
        let available = buffer.count - offset
        guard available >= 2, let base = buffer.baseAddress else { return nil }
        let b1 = base.load(fromByteOffset: offset + 1, as: UInt8.self) & 0x7F
        if b1 < 126 { return 2 + Int(b1) }
        if b1 == 126 {
            guard available >= 4 else { return nil }
            return 4 + (Int(base.load(fromByteOffset: offset + 2, as: UInt8.self)) << 8 | Int(base.load(fromByteOffset: offset + 3, as: UInt8.self)))
        }
        guard available >= 10 else { return nil }
        var value: UInt64 = 0
        for i in 2..<10 { value = value << 8 | UInt64(base.load(fromByteOffset: offset + i, as: UInt8.self)) }
        return value > UInt64(Int32.max) ? Int(Int32.max) : 10 + Int(value)
    }
}

/// Why a server frame could not be parsed.
public enum ServerFrameError: Error, Equatable, Sendable {
    case maskedServerFrame
    case reservedBitsSet
    case frameTooLarge(UInt64)
}
