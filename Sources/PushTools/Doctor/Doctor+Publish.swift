import Glibc
import PushClient
import PushCodec
import PushTransport

extension Doctor {
    /// Publishes a payload carrying a random nonce and waits for the EVENT that carries it.
    /// `proxy` is the Server header of a 101 a proxy sent (the WebSocket URL is not wamp-push's own).
    package func publishAndWait(_ url: ClientURL, tls: TLSContext?, socket: WebSocketClient, proxy: String?) -> [DoctorStep] {
        var base = options.publishURL ?? DoctorOptions.derivedPublishURL(from: url)
        while base.hasSuffix("/") { base.removeLast() }
        let endpoint = base + "/internal/publish"
        let origin = options.publishURL == nil ? "derived from --url" : "from --publish-url"
        let nonce = Digest.hex(Digest.randomBytes(8))
        let payload = JSONValue.object(["topicId": .string(options.topic), "doctor": .string(nonce)])
        var headers: [(String, String)] = []
        if let secret = options.secret { headers.append(("Authorization", "Bearer \(secret)")) }
        var response: HTTPClientResponse
        var delivered: Int?
        var attempt = 0
        repeat {
            attempt += 1
            do {
                // TLS to the publish door reuses the vetted context (or trusts --cacert when the WebSocket was plain).
                let context = try tls ?? (endpoint.hasPrefix("https") ? TLSContext.client(verifyPeer: !options.insecure, caFile: options.caFile) : nil)
                response = try HTTPClient.send("POST", url: endpoint, headers: headers, body: Array(payload.jsonString.utf8),
                                               tls: context, timeout: options.timeout)
            } catch {
                return [.failed(.publish, "POST \(endpoint) (\(origin)): \(error)",
                                hint: "pass the address of wamp-push's HTTP listener with --publish-url (e.g. http://127.0.0.1:8080)")]
            }
            guard response.status == 200 else { break }
            delivered = Self.deliveredCount(response)
            // A subscription behind an accessCheckCommand is granted asynchronously: give it a moment.
            if delivered == 0 && attempt < 3 { usleep(250_000) }
        } while delivered == 0 && attempt < 3
        let answerer = Answerer(response)
        let status = "\(response.status) \(response.head.reason)"
        // Only wamp-push's own answer counts: the CRM's nginx answers /internal/publish with a page.
        guard delivered != nil || (response.status != 200 && answerer.isWampPush) else {
            return [.failed(.publish, "this URL is not wamp-push: the publish went to \(answerer.name) "
                                + "(POST \(endpoint), \(origin), answered \(status))",
                            hint: DoctorHints.notWampPush(proxied: proxy))]
        }
        let message = Answerer.wampPushErrorMessage(response) ?? Self.clip(response.bodyString())
        switch response.status {
        case 200:
            break
        case 401:
            return [.failed(.publish, "POST \(endpoint): 401", hint: "the server has a publishSecret: pass it with --secret")]
        case 403:
            return [.failed(.publish, "POST \(endpoint): 403: \(message)", hint: DoctorHints.publishForbidden)]
        case 422:
            return [.failed(.publish, "POST \(endpoint): 422 unknown topic: \(message)", hint: DoctorHints.undeclaredTopic(options.topic))]
        default:
            return [.failed(.publish, "POST \(endpoint): \(status): \(message)",
                            hint: "wamp-push refused the publish: check --publish-url and the server log")]
        }
        let count = delivered ?? 0
        let published = DoctorStep.passed(.publish, "POST \(endpoint) (\(origin)) accepted by wamp-push, delivered to \(count) session(s)")
        return [published, waitForEvent(socket, nonce: nonce, delivered: count)]
    }

    /// `delivered` of wamp-push's `{"accepted":n,"delivered":n}`, nil for any other body.
    package static func deliveredCount(_ response: HTTPClientResponse) -> Int? {
        guard let body = try? JSONParser.parse(response.body), let n = body["delivered"]?.int64Value else { return nil }
        return Int(n)
    }

    package func waitForEvent(_ socket: WebSocketClient, nonce: String, delivered: Int) -> DoctorStep {
        let start = ContinuousClock.now
        let budget = Duration.milliseconds(Int64(options.eventTimeout * 1000))
        while true {
            let left = budget - (ContinuousClock.now - start)
            guard left > .zero else { break }
            let seconds = Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18
            let message: WebSocketClient.Message
            do {
                message = try socket.receive(timeout: seconds)
            } catch {
                if error.kind == .timeout { break }
                return .failed(.event, error.message, hint: "the server closed the connection: check its log")
            }
            switch message {
            case .text(let text):
                if case .event(let topic, let payload)? = try? WAMPCodec.decodeServerMessage(Array(text.utf8)),
                   payload["doctor"]?.stringValue == nonce {
                    let ms = (ContinuousClock.now - start).components.attoseconds / 1_000_000_000_000_000
                        + (ContinuousClock.now - start).components.seconds * 1000
                    return .passed(.event, "EVENT on \(topic) came back in \(ms) ms")
                }
            case .ping(let payload):
                try? socket.sendFrame(opcode: 0xA, payload: payload)
            case .close(let code, let reason):
                return .failed(.event, "the server closed the WebSocket (code \(code.map(String.init) ?? "none"), \"\(reason)\")",
                               hint: "a subscription was refused (accessCheckCommand?) or the session broke a rule: check the server log")
            default:
                continue
            }
        }
        let within = "no EVENT within \(options.eventTimeout) s"
        if delivered == 0 {
            return .failed(.event, "\(within): the publish to \(options.topic) reached 0 sessions, so the subscription was ignored",
                           hint: DoctorHints.differentTopicNames + " (or the category's accessCheckCommand refused user \(options.user))")
        }
        return .failed(.event, "\(within) although the publish reached \(delivered) session(s)",
                       hint: "other sessions got it but not this one: its subscription to \(options.topic) was refused (check accessCheckCommand) or a proxy buffers frames")
    }
}

extension Doctor {
    /// Sends SUBSCRIBE, then a CALL the server must answer: its answer proves the SUBSCRIBE
    /// before it was processed, so the publish cannot overtake the subscription.
    package func subscribe(_ socket: WebSocketClient) -> DoctorStep {
        let callId = "doctor-sync"
        do {
            try socket.sendText(String(decoding: WAMPCodec.subscribe(options.topic), as: UTF8.self))
            try socket.sendText(String(decoding: WAMPCodec.call(callId: callId, procURI: "urn:wamp-push:doctor"), as: UTF8.self))
            while true {
                switch try? WAMPCodec.decodeServerMessage(Array(try socket.receiveText(timeout: options.timeout).utf8)) {
                case .callResult(callId, _)?, .callError(callId, _, _, _)?:
                    return .passed(.subscribe, "sent [5,\"\(options.topic)\"], the server processed it")
                default:
                    continue
                }
            }
        } catch {
            return .failed(.subscribe, "after SUBSCRIBE: \(error.message)",
                           hint: "the server closed the session or stopped answering after SUBSCRIBE: check its log")
        }
    }
}
