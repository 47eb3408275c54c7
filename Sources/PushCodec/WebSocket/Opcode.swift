/// A WebSocket frame opcode (RFC 6455 §5.2), kept as a raw 4-bit value so reserved ones can be reported.
public struct Opcode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let continuation = Opcode(rawValue: 0x0)
    public static let text = Opcode(rawValue: 0x1)
    public static let binary = Opcode(rawValue: 0x2)
    public static let close = Opcode(rawValue: 0x8)
    public static let ping = Opcode(rawValue: 0x9)
    public static let pong = Opcode(rawValue: 0xA)

    /// Control frames have the high bit of the opcode set (0x8-0xF).
    public var isControl: Bool { rawValue & 0x8 != 0 }

    /// 0x3-0x7 and 0xB-0xF have no meaning without a negotiated extension.
    public var isReserved: Bool { (0x3...0x7).contains(rawValue) || (0xB...0xF).contains(rawValue) }

    public var description: String {
        switch self {
        case .continuation: "continuation"
        case .text: "text"
        case .binary: "binary"
        case .close: "close"
        case .ping: "ping"
        case .pong: "pong"
        default: "reserved(0x\(String(rawValue, radix: 16)))"
        }
    }
}
