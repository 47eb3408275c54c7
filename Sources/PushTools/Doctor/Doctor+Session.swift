import PushClient
import PushCodec
import PushTransport

extension Doctor {
    /// The upgrade, subprotocol, authentication and WELCOME steps; the socket when all passed,
    /// and the `Server` header of the 101 when a proxy (not wamp-push) sent it.
    package func openSession(_ url: ClientURL, tls: TLSContext?) -> ([DoctorStep], WebSocketClient?, proxy: String?) {
        let target = Self.withCredentials(options.url, user: options.user, token: options.token)
        let socket: WebSocketClient?
        let response: HTTPClientResponse
        do {
            (socket, response) = try WebSocketClient.connect(url: target, protocols: ["wamp"], tls: tls, timeout: options.timeout)
        } catch {
            let hint = error.kind == .timeout
                ? "nothing answered the upgrade request: a proxy or firewall holds it; check that \(url.path) reaches wamp-push"
                : "the connection ended before an HTTP answer: a proxy in front of wamp-push drops WebSocket requests"
            return ([.failed(.upgrade, error.message, hint: hint)], nil, nil)
        }
        let status = "\(response.status) \(response.head.reason)"
        let answerer = Answerer(response)
        switch response.status {
        case 101:
            break
        case 401 where answerer.isWampPush:
            return ([.passed(.upgrade, "reached wamp-push (it refused the token before upgrading)"),
                     .failed(.authentication, "\(status) for user \(options.user)", hint: DoctorHints.unknownToken(options.user))], nil, nil)
        case 403 where answerer.isWampPush:
            return ([.passed(.upgrade, "reached wamp-push (it refused the token before upgrading)"),
                     .failed(.authentication, "\(status) for user \(options.user)", hint: DoctorHints.revokedToken(options.user))], nil, nil)
        case 429 where answerer.isWampPush:
            // An authentication quota (Docs/security.md): the JSON reason says which one.
            let reason = Answerer.wampPushErrorMessage(response) ?? status
            return ([.passed(.upgrade, "reached wamp-push (it refused before upgrading)"),
                     .failed(.authentication, "\(status): \(reason)", hint: DoctorHints.quotaReached)], nil, nil)
        default:
            return ([Self.upgradeRefusal(response, status)], nil, nil)
        }
        let proxy = ServerIdentity.isWampPush(answerer.server) ? nil : answerer.name
        var steps: [DoctorStep] = []
        let chosen = response.headers.first("Sec-WebSocket-Protocol")
        guard let socket else {
            // A 101 the client refused: the accept key or the Upgrade/Connection headers are wrong.
            if let chosen, chosen != "wamp" {
                return ([.passed(.upgrade, "101 Switching Protocols"),
                         .failed(.subprotocol, "the server selected \"\(chosen)\", which was not offered",
                                 hint: "the endpoint is not wamp-push: check the path of the URL")], nil, proxy)
            }
            return ([.failed(.upgrade, "101 with an invalid handshake (Sec-WebSocket-Accept, Upgrade or Connection wrong)",
                             hint: "a proxy rewrites the handshake: forward it unchanged, e.g. in nginx:\n" + DoctorHints.nginxBlock)], nil, proxy)
        }
        steps.append(Self.switched(response))
        guard chosen == "wamp" else {
            socket.close()
            steps.append(.failed(.subprotocol, "the 101 carries no Sec-WebSocket-Protocol: wamp (AutobahnJS closes such a connection)",
                                 hint: "a proxy drops the Sec-WebSocket-Protocol header, or the endpoint is not wamp-push"))
            return (steps, nil, proxy)
        }
        steps.append(.passed(.subprotocol, "the server selected wamp"))
        steps.append(.passed(.authentication, "token accepted for user \(options.user)"))
        let welcome = Self.checkWelcome(socket, timeout: options.timeout)
        steps.append(welcome)
        guard welcome.ok else {
            socket.close()
            return (steps, nil, proxy)
        }
        return (steps, socket, proxy)
    }

    package static func checkWelcome(_ socket: WebSocketClient, timeout: Double) -> DoctorStep {
        let text: String
        do {
            text = try socket.receiveText(timeout: timeout)
        } catch {
            return .failed(.welcome, error.message, hint: "wamp-push sends WELCOME at once: another server answers this URL, or a proxy buffers frames")
        }
        guard case .welcome(let session, let version, let ident)? = try? WAMPCodec.decodeServerMessage(Array(text.utf8)) else {
            return .failed(.welcome, "the first message is not a WELCOME: \(clip(text))", hint: "the endpoint does not speak WAMP v1: check the path of the URL")
        }
        guard version == 1, !session.isEmpty else {
            return .failed(.welcome, "WELCOME with protocol version \(version) and session \"\(session)\"",
                           hint: "AutobahnJS 0.8 needs WAMP v1 with a session id: the endpoint is not wamp-push")
        }
        return .passed(.welcome, "session \(session) from \(ident)")
    }

    /// A 200 with a page means a web server answered the path itself; say so.
    package static func describeRefusal(_ response: HTTPClientResponse, _ status: String) -> String {
        let type = response.headers.first("Content-Type")?.lowercased() ?? ""
        let body = response.bodyString()
        if response.status == 200 && (type.contains("html") || body.lowercased().contains("<html")) {
            return "\(status) with an HTML page instead of 101 Switching Protocols"
        }
        return "\(status) instead of 101 Switching Protocols" + (body.isEmpty ? "" : ": \(clip(body))")
    }

    /// The URL with `authToken` and `userId` appended, as EspoCRM's client sends them.
    package static func withCredentials(_ url: String, user: String, token: String) -> String {
        let separator = url.contains("?") ? "&" : "?"
        return url + separator + "authToken=\(percentEncoded(token))&userId=\(percentEncoded(user))"
    }

    package static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let unreserved = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
            if unreserved {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]], as: UTF8.self)
            }
        }
        return out
    }

    /// One line of at most 120 characters, for quoting a server's answer.
    package static func clip(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count > 120 ? String(line.prefix(117)) + "..." : line
    }
}
