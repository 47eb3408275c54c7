/// The browser's opening handshake, as AutobahnJS sends it, and the check of the server's answer.
public enum UpgradeRequest {
    /// `GET <path>?authToken=..&userId=..` with subprotocol `wamp`.
    ///
    /// The key is fixed: the load generator does not verify `Sec-WebSocket-Accept` (a SHA-1 per
    /// connection on the client would only slow the handshake figure down), the server cannot tell.
    public static func bytes(path: String, host: String, token: String, user: String) -> [UInt8] {
        let separator = path.contains("?") ? "&" : "?"
        let target = "\(path)\(separator)authToken=\(percentEncoded(token))&userId=\(percentEncoded(user))"
        let text = "GET \(target) HTTP/1.1\r\n"
            + "Host: \(host)\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\n"
            + "Sec-WebSocket-Protocol: wamp\r\n"
            + "\r\n"
        return Array(text.utf8)
    }

    /// Outcome of looking at the bytes received so far.
    public enum Response: Equatable, Sendable {
        /// The head is not complete yet.
        case incomplete
        /// 101: the frames start at `bodyOffset`.
        case switched(bodyOffset: Int)
        /// Any other status (401, 403, 426, ...).
        case refused(status: Int)
        case malformed
    }

    /// Looks for the end of the response head and reads its status.
    public static func parseResponse(_ bytes: UnsafeRawBufferPointer) -> Response {
        guard let end = HTTPHeadScanner.headEnd(bytes) else {
            return bytes.count > 16_384 ? .malformed : .incomplete
        }
        guard let status = HTTPHeadScanner.status(bytes) else { return .malformed }
        return status == 101 ? .switched(bodyOffset: end) : .refused(status: status)
    }

    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return out
    }
}
