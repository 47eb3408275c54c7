/// `POST /internal/publish` requests whose JSON body has an exact size.
public struct PublishRequest: Sendable {
    public let topic: String
    /// Total size of the JSON object (the EVENT's payload), in bytes.
    public let payloadBytes: Int
    private let head: String

    /// `secret` adds `Authorization: Bearer <secret>`; `extraHeaders` are sent as they are.
    public init(url: BenchURL, topic: String, payloadBytes: Int, secret: String?, extraHeaders: [String] = []) {
        self.topic = topic
        self.payloadBytes = payloadBytes
        var head = "POST \(url.path) HTTP/1.1\r\nHost: \(url.hostHeader)\r\nContent-Type: application/json\r\n"
        if let secret { head += "Authorization: Bearer \(secret)\r\n" }
        for line in extraHeaders { head += line + "\r\n" }
        self.head = head
    }

    /// `{"topicId":"<topic>","seq":N,"ts":T,"pad":"xxx"}`, exactly `payloadBytes` long when the
    /// padding fits; otherwise without `pad` (a 64-byte payload with a 15-character topic and a
    /// 13-digit timestamp has no room for it).
    public func body(seq: Int64, ts: Int64) -> [UInt8] {
        Self.eventBody(topic: topic, payloadBytes: payloadBytes, seq: seq, ts: ts)
    }

    /// The body of `body(seq:ts:)` for any topic and size.
    public static func eventBody(topic: String, payloadBytes: Int, seq: Int64, ts: Int64) -> [UInt8] {
        let fields = "{\"topicId\":\(quoted(topic)),\"seq\":\(seq),\"ts\":\(ts)"
        let padOverhead = #","pad":"""#.utf8.count // 9 bytes around the x's
        let room = payloadBytes - fields.utf8.count - 1 - padOverhead
        var out = Array(fields.utf8)
        if room >= 0 {
            out.reserveCapacity(payloadBytes)
            out.append(contentsOf: #","pad":""#.utf8)
            out.append(contentsOf: repeatElement(UInt8(ascii: "x"), count: room))
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The probe that confirms subscriptions before a run: carries no `seq`.
    public func probeBody() -> [UInt8] {
        Array("{\"topicId\":\(Self.quoted(topic)),\"probe\":1}".utf8)
    }

    /// A complete request carrying `body`.
    public func request(body: [UInt8]) -> [UInt8] {
        var out = Array((head + "Content-Length: \(body.count)\r\n\r\n").utf8)
        out.append(contentsOf: body)
        return out
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default:
                if scalar.value < 0x20 { out += "\\u00" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

/// The WhatsApp webhook bodies wwebjs-api posts (one unique message id per request).
public struct WebhookRequest: Sendable {
    public static let path = "/api/v1/WhatsApp/action/webhook"
    private let head: String

    public init(url: BenchURL, secret: String?, extraHeaders: [String] = []) {
        var head = "POST \(Self.path) HTTP/1.1\r\nHost: \(url.hostHeader)\r\nContent-Type: application/json\r\n"
        if let secret { head += "Authorization: Bearer \(secret)\r\n" }
        for line in extraHeaders { head += line + "\r\n" }
        self.head = head
    }

    /// A `message` event whose id ends in `unique`, so every request is a new message.
    public func request(unique: String) -> [UInt8] {
        let body = "{\"dataType\":\"message\",\"sessionId\":\"s\",\"data\":{\"message\":{\"id\":{\"_serialized\":\"false_1@c.us_\(unique)\"},"
            + "\"body\":\"hi\",\"from\":\"1@c.us\",\"to\":\"2@c.us\",\"fromMe\":false,\"timestamp\":1735812000,\"type\":\"chat\"}}}"
        return Array((head + "Content-Length: \(body.utf8.count)\r\n\r\n" + body).utf8)
    }
}
