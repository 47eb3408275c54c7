import PushCodec
import PushTransport

/// A blocking RFC 6455 client for tests and `doctor`: opening handshake, masked frames, reassembly
/// of fragmented messages, and strict checks of everything the server sends.
///
/// `receive` hands control frames to the caller instead of answering them, so tests see exactly what
/// the server did; `receiveText` and `waitForClose` answer pings and closes like a browser would.
public final class WebSocketClient {
    /// A message or control frame received from the server.
    public enum Message: Equatable, Sendable {
        case text(String)
        case binary([UInt8])
        case ping([UInt8])
        case pong([UInt8])
        case close(code: UInt16?, reason: String)
    }

    /// Largest message accepted from the server.
    public static let maxMessageBytes = 64 << 20

    /// The subprotocol the server selected (`Sec-WebSocket-Protocol` of the 101), if any.
    public let negotiatedProtocol: String?
    /// The server's `101 Switching Protocols` response.
    public let handshakeResponse: HTTPClientResponse
    /// The underlying connection (TLS details for `doctor`).
    public let connection: ClientConnection
    /// Default wait of `receive` and friends, in seconds.
    public let timeout: Double
    private var reader: WebSocketFrameReader
    private var fragmented: (opcode: UInt8, payload: [UInt8])?
    private var closeSent = false

    private init(connection: ClientConnection, response: HTTPClientResponse, leftover: [UInt8], timeout: Double) {
        self.connection = connection
        self.handshakeResponse = response
        self.negotiatedProtocol = response.headers.first("Sec-WebSocket-Protocol")
        self.timeout = timeout
        self.reader = WebSocketFrameReader(maxPayloadBytes: Self.maxMessageBytes, initialBytes: leftover)
    }

    deinit { connection.close() }

    /// Opens `url` (`ws://`, `wss://`, or `http(s)://`) and performs the opening handshake within `timeout`.
    /// Returns the server's response, and a client only when it is a `101` with the right
    /// `Sec-WebSocket-Accept`, `Upgrade: websocket`, `Connection: Upgrade` and an offered subprotocol (or none).
    /// `headers` are added to the request; one named like a handshake header replaces it.
    public static func connect(url: String, protocols: [String] = ["wamp"], headers: [(String, String)] = [],
                               tls: TLSContext? = nil, timeout: Double = 5) throws(ClientError) -> (WebSocketClient?, HTTPClientResponse) {
        let target = try ClientURL.parse(url)
        let deadline = ClientDeadline(seconds: timeout)
        let connection = try ClientConnection(url: target, tls: tls, connectTimeout: timeout, ioTimeout: timeout)
        let key = WebSocketHandshakeKey.make()
        var fields: [(String, String)] = [
            ("Host", target.hostHeader), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", key), ("Sec-WebSocket-Version", "13"),
        ]
        if !protocols.isEmpty { fields.append(("Sec-WebSocket-Protocol", protocols.joined(separator: ", "))) }
        for (name, value) in headers {
            if let index = fields.firstIndex(where: { $0.0.caseInsensitiveEquals(name) }) {
                fields[index] = (name, value)
            } else {
                fields.append((name, value))
            }
        }
        let request = (["GET \(target.path) HTTP/1.1"] + fields.map { "\($0.0): \($0.1)" }).joined(separator: "\r\n") + "\r\n\r\n"
        do {
            try connection.write(Array(request.utf8), deadline: deadline, "sending the WebSocket handshake to \(target.authority)")
            var parser = HTTPResponseParser()
            let response = try readHandshakeResponse(connection, parser: &parser, deadline: deadline)
            guard response.status == 101,
                  acceptsHandshake(response, key: key, offered: protocols) else {
                connection.close()
                return (nil, response)
            }
            let client = WebSocketClient(connection: connection, response: response,
                                         leftover: parser.takeBufferedBytes(), timeout: timeout)
            return (client, response)
        } catch {
            connection.close()
            throw error
        }
    }

    private static func readHandshakeResponse(_ connection: ClientConnection, parser: inout HTTPResponseParser,
                                              deadline: ClientDeadline) throws(ClientError) -> HTTPClientResponse {
        let authority = connection.url.authority
        func parsed(_ step: (inout HTTPResponseParser) throws(HTTPError) -> HTTPClientResponse?) throws(ClientError) -> HTTPClientResponse? {
            do {
                return try step(&parser)
            } catch {
                throw ClientError(.protocolError, "bad handshake response from \(authority): \(error.message)")
            }
        }
        var chunk: [UInt8] = []
        while true {
            if let response = try parsed({ (p: inout HTTPResponseParser) throws(HTTPError) in try p.next(requestMethod: "GET") }) {
                if (100..<200).contains(response.status) && response.status != 101 { continue }
                return response
            }
            chunk.removeAll(keepingCapacity: true)
            let what = "waiting for the WebSocket handshake response from \(authority)"
            if try connection.read(into: &chunk, max: 65536, deadline: deadline, what) == 0 {
                if let response = try parsed({ (p: inout HTTPResponseParser) throws(HTTPError) in try p.finishAtEOF() }) { return response }
                throw ClientError(.closed, "connection to \(authority) closed before a handshake response arrived")
            }
            parser.append(chunk)
        }
    }

    /// RFC 6455 §4.1 checks of a 101 the client must make before using the connection.
    static func acceptsHandshake(_ response: HTTPClientResponse, key: String, offered: [String]) -> Bool {
        let headers = response.headers
        guard headers.containsToken("websocket", in: "Upgrade"), headers.containsToken("upgrade", in: "Connection"),
              headers.first("Sec-WebSocket-Accept") == WebSocketHandshakeKey.expectedAccept(for: key) else { return false }
        if let chosen = headers.first("Sec-WebSocket-Protocol") { return offered.contains(chosen) }
        return true
    }

    // MARK: - Sending

    /// Sends one masked text frame.
    public func sendText(_ text: String) throws(ClientError) { try sendFrame(opcode: 0x1, payload: Array(text.utf8)) }

    /// Sends one masked binary frame.
    public func sendBinary(_ bytes: [UInt8]) throws(ClientError) { try sendFrame(opcode: 0x2, payload: bytes) }

    /// Sends one frame exactly as described (any opcode, RSV bits, unmasked), for protocol-violation tests.
    /// Masking uses a fresh random 4-byte key per frame.
    public func sendFrame(opcode: UInt8, payload: [UInt8], fin: Bool = true, rsv: UInt8 = 0, masked: Bool = true) throws(ClientError) {
        var frame: [UInt8] = [(fin ? 0x80 : 0) | (rsv & 0x07) << 4 | (opcode & 0x0F)]
        let maskBit: UInt8 = masked ? 0x80 : 0
        switch payload.count {
        case ..<126:
            frame.append(maskBit | UInt8(payload.count))
        case ...0xFFFF:
            frame.append(maskBit | 126)
            frame += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        default:
            frame.append(maskBit | 127)
            frame += (0..<8).reversed().map { UInt8(truncatingIfNeeded: UInt64(payload.count) >> (UInt64($0) * 8)) }
        }
        if masked {
            let key = Digest.randomBytes(4)
            frame += key
            frame.reserveCapacity(frame.count + payload.count)
            for (index, byte) in payload.enumerated() { frame.append(byte ^ key[index & 3]) }
        } else {
            frame += payload
        }
        if opcode == 0x8 { closeSent = true }
        try sendRaw(frame)
    }

    /// Writes bytes unchanged.
    public func sendRaw(_ bytes: [UInt8]) throws(ClientError) {
        try connection.write(bytes, deadline: ClientDeadline(seconds: timeout), "sending to \(connection.url.authority)")
    }

    /// Sends a close frame: with a status code (and reason) or, when `code` is nil, an empty one.
    public func sendClose(code: UInt16?, reason: String = "") throws(ClientError) {
        var payload: [UInt8] = []
        if let code { payload = [UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8) }
        try sendFrame(opcode: 0x8, payload: payload)
    }

    // MARK: - Receiving

    /// The next data message (reassembled) or control frame, waiting at most `timeout` seconds
    /// (the client's default when nil). Throws `.closed` when the connection ends.
    public func receive(timeout: Double? = nil) throws(ClientError) -> Message {
        try receive(deadline: ClientDeadline(seconds: timeout ?? self.timeout))
    }

    /// The next text message; pings are answered with pongs, pongs are skipped. A binary message or
    /// a close frame is an error.
    public func receiveText(timeout: Double? = nil) throws(ClientError) -> String {
        let deadline = ClientDeadline(seconds: timeout ?? self.timeout)
        while true {
            switch try receive(deadline: deadline) {
            case .text(let text): return text
            case .ping(let payload): try sendFrame(opcode: 0xA, payload: payload)
            case .pong: continue
            case .binary(let bytes):
                throw ClientError(.protocolError, "expected a text message but received a binary message of \(bytes.count) bytes")
            case .close(let code, let reason):
                throw ClientError(.closed, "the server closed the WebSocket (code \(code.map(String.init) ?? "none"), reason \"\(reason)\") while a text message was expected")
            }
        }
    }

    /// Reads until the server's close frame (skipping messages, answering pings unless `answerPings`
    /// is false), answers it with a close frame if none was sent yet, then waits for the server to
    /// close TCP. Nil when no close frame arrived in time; `tcpClosed` tells whether TCP was closed
    /// before the deadline.
    public func waitForClose(timeout: Double? = nil, answerPings: Bool = true) -> (code: UInt16?, reason: String, tcpClosed: Bool)? {
        let deadline = ClientDeadline(seconds: timeout ?? self.timeout)
        while true {
            let message: Message
            do { message = try receive(deadline: deadline) } catch { return nil }
            switch message {
            case .close(let code, let reason):
                if !closeSent { try? sendClose(code: code) }
                return (code, reason, waitForEOF(deadline))
            case .ping(let payload) where answerPings:
                try? sendFrame(opcode: 0xA, payload: payload)
            default:
                continue
            }
        }
    }

    /// Closes TCP without a closing handshake.
    public func close() { connection.close() }

    private func waitForEOF(_ deadline: ClientDeadline) -> Bool {
        var sink: [UInt8] = []
        while true {
            sink.removeAll(keepingCapacity: true)
            do {
                if try connection.read(into: &sink, max: 65536, deadline: deadline, "waiting for TCP close") == 0 { return true }
            } catch {
                return error.kind == .closed
            }
        }
    }

    private func receive(deadline: ClientDeadline) throws(ClientError) -> Message {
        while true {
            let frame = try nextFrame(deadline)
            switch frame.opcode {
            case 0x8: return try Self.closeMessage(frame.payload)
            case 0x9: return .ping(frame.payload)
            case 0xA: return .pong(frame.payload)
            case 0x0:
                guard var message = fragmented else {
                    throw ClientError(.protocolError, "WebSocket protocol error: a continuation frame arrived with no message to continue")
                }
                guard message.payload.count + frame.payload.count <= Self.maxMessageBytes else {
                    throw ClientError(.protocolError, "a message exceeds the client limit of \(Self.maxMessageBytes) bytes")
                }
                message.payload += frame.payload
                if frame.fin {
                    fragmented = nil
                    return try Self.dataMessage(opcode: message.opcode, payload: message.payload)
                }
                fragmented = message
            default:
                guard fragmented == nil else {
                    throw ClientError(.protocolError, "WebSocket protocol error: a new data frame arrived inside a fragmented message")
                }
                if frame.fin { return try Self.dataMessage(opcode: frame.opcode, payload: frame.payload) }
                fragmented = (frame.opcode, frame.payload)
            }
        }
    }

    private func nextFrame(_ deadline: ClientDeadline) throws(ClientError) -> WebSocketClientFrame {
        var chunk: [UInt8] = []
        while true {
            if let frame = try reader.next() { return frame }
            chunk.removeAll(keepingCapacity: true)
            let what = "waiting for a WebSocket frame from \(connection.url.authority)"
            if try connection.read(into: &chunk, max: 65536, deadline: deadline, what) == 0 {
                throw ClientError(.closed, "connection to \(connection.url.authority) closed while waiting for a WebSocket frame")
            }
            reader.append(chunk)
        }
    }

    private static func dataMessage(opcode: UInt8, payload: [UInt8]) throws(ClientError) -> Message {
        guard opcode == 0x1 else { return .binary(payload) }
        guard let text = String(validating: payload, as: UTF8.self) else {
            throw ClientError(.protocolError, "WebSocket protocol error: a text message is not valid UTF-8")
        }
        return .text(text)
    }

    private static func closeMessage(_ payload: [UInt8]) throws(ClientError) -> Message {
        if payload.isEmpty { return .close(code: nil, reason: "") }
        guard payload.count >= 2 else {
            throw ClientError(.protocolError, "WebSocket protocol error: a close frame has a 1-byte payload")
        }
        guard let reason = String(validating: payload[2...], as: UTF8.self) else {
            throw ClientError(.protocolError, "WebSocket protocol error: a close reason is not valid UTF-8")
        }
        return .close(code: UInt16(payload[0]) << 8 | UInt16(payload[1]), reason: reason)
    }
}
