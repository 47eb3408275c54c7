/// The fixed part of one WebSocket frame (RFC 6455 §5.2), as read from the wire.
public struct FrameHeader: Sendable, Equatable {
    public var fin: Bool
    public var rsv1: Bool
    public var rsv2: Bool
    public var rsv3: Bool
    public var opcode: Opcode
    public var masked: Bool
    public var payloadLength: Int
    /// The four key bytes in wire order read as a big-endian number (`37 fa 21 3d` is `0x37fa213d`); 0 when unmasked.
    public var maskKey: UInt32

    public init(fin: Bool = true, rsv1: Bool = false, rsv2: Bool = false, rsv3: Bool = false,
                opcode: Opcode, masked: Bool = false, payloadLength: Int, maskKey: UInt32 = 0) {
        self.fin = fin
        self.rsv1 = rsv1
        self.rsv2 = rsv2
        self.rsv3 = rsv3
        self.opcode = opcode
        self.masked = masked
        self.payloadLength = payloadLength
        self.maskKey = maskKey
    }
}
