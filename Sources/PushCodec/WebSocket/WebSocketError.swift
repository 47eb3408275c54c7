/// A violation that ends a WebSocket connection; each case maps to the close code to send.
public enum WebSocketError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Close 1002.
    case protocolError(String)
    /// Close 1007.
    case invalidUTF8(String)
    /// Close 1009.
    case messageTooBig(String)
    /// Close 1008.
    case policyViolation(String)

    /// The close code this error is answered with.
    public var closeCode: CloseCode {
        switch self {
        case .protocolError: .protocolError
        case .invalidUTF8: .invalidPayload
        case .messageTooBig: .messageTooBig
        case .policyViolation: .policyViolation
        }
    }

    /// Human reason for the close frame, cut to at most 123 bytes (125 minus the 2-byte code).
    public var reason: String {
        let text: String
        switch self {
        case .protocolError(let s), .invalidUTF8(let s), .messageTooBig(let s), .policyViolation(let s): text = s
        }
        return String(decoding: UTF8Truncation.prefix(Array(text.utf8), maxBytes: 123), as: UTF8.self)
    }

    public var description: String { "\(closeCode.rawValue): \(reason)" }
}

/// The error that stopped a decoder or assembler, kept behind one pointer: it is set only on a
/// failing connection, and inline its optional took 24 bytes of every idle one.
final class StoredWebSocketError: Sendable {
    let error: WebSocketError
    init(_ error: WebSocketError) { self.error = error }
}

/// Cuts UTF-8 text without splitting a code point.
enum UTF8Truncation {
    /// The longest prefix of `bytes` not longer than `maxBytes` that ends on a code point boundary.
    static func prefix(_ bytes: [UInt8], maxBytes: Int) -> ArraySlice<UInt8> {
        guard bytes.count > maxBytes else { return bytes[...] }
        var end = max(maxBytes, 0)
        // Step back over continuation bytes (10xxxxxx) so the cut lands before a lead byte.
        while end > 0 && bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return bytes[..<end]
    }
}
