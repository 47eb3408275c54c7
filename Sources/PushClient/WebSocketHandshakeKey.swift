import PushCodec

/// The `Sec-WebSocket-Key` / `Sec-WebSocket-Accept` pair of RFC 6455 §4, computed on the client side.
enum WebSocketHandshakeKey {
    static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// A fresh key: 16 random bytes, base64-encoded.
    static func make() -> String { base64(Digest.randomBytes(16)) }

    /// The accept value a correct server derives from `key`: base64(SHA-1(key + GUID)).
    static func expectedAccept(for key: String) -> String { base64(Digest.sha1(Array((key + guid).utf8))) }

    /// Standard padded base64; private to the handshake so the client does not share the server's codec.
    static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let count = min(3, bytes.count - index)
            var group = UInt32(bytes[index]) << 16
            if count > 1 { group |= UInt32(bytes[index + 1]) << 8 }
            if count > 2 { group |= UInt32(bytes[index + 2]) }
            for position in 0..<4 {
                let sextet = Int(group >> UInt32(18 - 6 * position) & 0x3F)
                out.append(position <= count ? alphabet[sextet] : UInt8(ascii: "="))
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
