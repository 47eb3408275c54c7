import Foundation
import Logging
import PushBroker
import PushCodec
import PushHTTP
import PushObservability
import PushStore
import PushTransport
import Synchronization

/// `GET/POST /api/v1/WhatsApp/action/{name}`: the legacy controller's REST actions, with the
/// `{"success": true, ...}` envelope (Docs/whatsapp.md, "REST actions"). Each action is its own route: the user
/// actions need a user token, `saveSettings` an admin (Server.swift declares which; the router
/// checks). Upstream calls block, so they run on the upstream client's own threads; the store
/// work goes through the store queue.
package struct WhatsAppActionsRoute: HTTPRoute {
    package init(upstream: UpstreamClient, settings: UpstreamSettingsBox, store: StoreService, committer: GroupCommitter, publisher: Publisher, throttle: ChatThrottle, stats: WhatsAppStats, log: Logger) {
        self.upstream = upstream
        self.settings = settings
        self.store = store
        self.committer = committer
        self.publisher = publisher
        self.throttle = throttle
        self.stats = stats
        self.log = log
    }

    package static let prefix = "/api/v1/WhatsApp/action/"

    /// Every action a user token may call, with its method.
    package static let userActions: [(name: String, method: String)] = [
        ("login", "GET"), ("qrCode", "GET"), ("status", "GET"), ("getChats", "GET"), ("getChatMessages", "GET"),
        ("getContacts", "GET"), ("sendMessage", "POST"), ("logout", "POST"),
    ]
    /// Changes where the upstream calls go and the key they carry: an admin's action.
    package static let adminActions: [(name: String, method: String)] = [("saveSettings", "POST")]

    package let upstream: UpstreamClient
    package let settings: UpstreamSettingsBox
    package let store: StoreService
    package let committer: GroupCommitter
    package let publisher: Publisher
    package let throttle: ChatThrottle
    package let stats: WhatsAppStats
    package let log: Logger

    package func handle(_ request: HTTPRequest, _ context: RequestContext, _ respond: @escaping Respond) {
        perform(String(request.head.path.dropFirst(Self.prefix.count)), request, context, respond)
    }

    private func perform(_ name: String, _ request: HTTPRequest, _ context: RequestContext, _ respond: @escaping Respond) {
        switch name {
        case "login":
            call({ (c: UpstreamClient) throws(UpstreamError) in try c.startSession() }, respond) { outcome in
                .ok(["status": .string(outcome == .started ? "started" : "alreadyRunning")])
            }
        case "qrCode":
            call({ (c: UpstreamClient) throws(UpstreamError) in try c.qrCode() }, respond) { qr in
                switch qr {
                case .code(let code): return .ok(["qr": .string(code)])
                case .notReady(let reason): return .json(200, JSONValue.object(["success": false, "message": .string(reason)]))
                }
            }
        case "status":
            call({ (c: UpstreamClient) throws(UpstreamError) in try c.sessionStatus() }, respond) { s in
                .ok(["state": s.state.map { .string($0) } ?? .null, "connected": .bool(s.connected), "message": .string(s.message)])
            }
        case "getChats":
            call({ (c: UpstreamClient) throws(UpstreamError) in try c.chats() }, respond) { .ok(["list": .array($0)]) }
        case "getContacts":
            call({ (c: UpstreamClient) throws(UpstreamError) in try c.contacts() }, respond) { contacts in
                .ok(["list": .array(contacts.filter { $0["isGroup"]?.boolValue != true && $0["isMe"]?.boolValue != true })])
            }
        case "logout":
            call({ (c: UpstreamClient) throws(UpstreamError) in try c.terminateSession() }, respond) { _ in .ok([:]) }
        case "getChatMessages":
            getChatMessages(request, respond)
        case "sendMessage":
            sendMessage(request, respond)
        case "saveSettings":
            saveSettings(request, by: context.principal, respond)
        default:
            respond(.error(.notFound()))
        }
    }

    /// Runs an upstream call and maps its errors to the legacy envelope.
    private func call<T: Sendable>(_ body: @escaping @Sendable (UpstreamClient) throws(UpstreamError) -> T,
                                   _ respond: @escaping Respond, _ render: @escaping @Sendable (T) -> HTTPResponse) {
        run(body) { result in
            switch result {
            case .success(let value): respond(render(value))
            case .failure(let error): respond(Self.upstreamFailure(error))
            }
        }
    }

    /// Every upstream call goes through here: counted and timed for /metrics.
    private func run<T: Sendable>(_ body: @escaping @Sendable (UpstreamClient) throws(UpstreamError) -> T,
                                  _ completion: @escaping @Sendable (Result<T, UpstreamError>) -> Void) {
        let start = MonotonicClock.now()
        let stats = self.stats
        upstream.run(body) { result in
            let ok: Bool
            if case .success = result { ok = true } else { ok = false }
            stats.upstreamCall(ok: ok, seconds: Double(MonotonicClock.now() - start) / 1e9)
            completion(result)
        }
    }

    package static func upstreamFailure(_ error: UpstreamError) -> HTTPResponse {
        let status: Int
        switch error.kind {
        case .notConfigured: status = 503
        case .timeout: status = 504
        case .sessionNotReady: status = 409
        default: status = 502
        }
        return .json(status, JSONValue.object(["success": false, "error": .string(error.message)]))
    }

    // MARK: getChatMessages — the hybrid

    /// Fetches recent messages from the upstream at most once per chat per throttle window,
    /// stores the new ones idempotently, and answers from the database: the newest `limit` in
    /// ascending time order. Upstream down → the database alone, marked `"source": "db"`.
    private func getChatMessages(_ request: HTTPRequest, _ respond: @escaping Respond) {
        guard let chatId = request.head.queryValue("chatId"), !chatId.isEmpty else {
            return respond(.error(.missingChat("getChatMessages needs ?chatId=.")))
        }
        let limit = max(1, min(200, Int(request.head.queryValue("limit") ?? "") ?? 50))
        let committer = self.committer, log = self.log
        let answer: @Sendable (String) -> Void = { source in
            store.async({ db in try MessageStore(database: db).newest(chatId: chatId, limit: limit) }) { result in
                switch result {
                case .success(let rows):
                    respond(.ok(["list": .array(rows.map(WhatsAppEventPayload.message)), "source": .string(source)]))
                case .failure(let error):
                    log.error("reading chat messages failed", metadata: ["error": "\(error)"])
                    respond(.error(.storeError("Messages could not be read.")))
                }
            }
        }
        guard throttle.admit(chatId) else { return answer("throttled") }
        run({ (c: UpstreamClient) throws(UpstreamError) in try c.fetchMessages(chatId: chatId, limit: limit) }) { result in
            switch result {
            case .failure(let error):
                log.info("upstream fetchMessages failed; answering from the database", metadata: ["error": "\(error.message)"])
                answer("db")
            case .success(let raw):
                let now = Int64(Date().timeIntervalSince1970)
                let rows = raw.compactMap { WebhookParser.message(from: $0) }.map { StoredMessage($0, createdAt: now) }
                committer.submit({ db in try MessageStore(database: db).insertMany(rows) }) { _ in answer("upstream") }
            }
        }
    }

    // MARK: sendMessage

    /// Upstream first, then store and publish. If the upstream fails, the text is kept as a
    /// `Failed` row (nothing the user typed is lost) and the answer is 502 with the reason.
    private func sendMessage(_ request: HTTPRequest, _ respond: @escaping Respond) {
        guard let json = try? JSONParser.parse(request.body), let chatId = json["chatId"]?.stringValue, !chatId.isEmpty,
              let text = json["message"]?.stringValue else {
            return respond(.error(.invalidBody("Send {\"chatId\": \"...\", \"message\": \"...\"}.")))
        }
        let committer = self.committer, publisher = self.publisher
        run({ (c: UpstreamClient) throws(UpstreamError) in try c.sendMessage(chatId: chatId, text: text) }) { result in
            let now = Int64(Date().timeIntervalSince1970)
            let row: StoredMessage
            let failure: UpstreamError?
            switch result {
            case .success(let sent):
                row = StoredMessage(id: sent.id, messageId: sent.id, chatId: chatId, body: text, fromMe: true,
                                    timestamp: sent.timestamp ?? now, status: WhatsAppMessage.sent, ack: sent.ack ?? 0,
                                    type: "chat", hasMedia: false, author: nil, createdAt: now)
                failure = nil
            case .failure(let error):
                let id = "failed_" + Digest.hex(Digest.randomBytes(10))
                row = StoredMessage(id: id, messageId: id, chatId: chatId, body: text, fromMe: true, timestamp: now,
                                    status: WhatsAppMessage.failed, ack: WhatsAppMessage.ackError, type: "chat",
                                    hasMedia: false, author: nil, createdAt: now)
                failure = error
            }
            committer.submit({ db in try MessageStore(database: db).insert(row) }) { stored in
                if case .success(true) = stored {
                    publisher.publish(topic: WhatsAppEventPayload.topic, payload: WhatsAppEventPayload.newMessage(row), source: .whatsappAction)
                }
                var body: JSONObject = ["messageId": .string(row.messageId), "message": WhatsAppEventPayload.message(row)]
                if let failure {
                    body.set("success", false)
                    body.set("error", .string(failure.message))
                    respond(.json(502, JSONValue.object(body)))
                } else {
                    respond(.ok(body))
                }
            }
        }
    }

    // MARK: saveSettings

    /// Logged with who changed what (never the values: one of them is the API key).
    private func saveSettings(_ request: HTTPRequest, by principal: Principal, _ respond: @escaping Respond) {
        guard let json = try? JSONParser.parse(request.body), case .object(let o) = json else {
            return respond(.error(.invalidBody("Send {\"apiUrl\": \"...\", \"apiKey\": \"...\"}.")))
        }
        var values: [(String, String)] = []
        for key in ["apiUrl", "apiKey", "sessionId"] {
            guard let v = o[key] else { continue }
            guard let s = v.stringValue else {
                return respond(.error(.invalidBody("\(key) must be a string.")))
            }
            values.append((key, s))
        }
        if let url = values.first(where: { $0.0 == "apiUrl" })?.1, !url.isEmpty, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            return respond(.error(.invalidURL("apiUrl must start with http:// or https://.")))
        }
        let settings = self.settings, log = self.log
        let saved = values
        store.async({ db in
            let s = SettingsStore(database: db)
            for (k, v) in saved { try s.set("whatsapp.\(k)", v) }
        }) { result in
            switch result {
            case .success:
                settings.update { current in
                    for (k, v) in saved {
                        switch k {
                        case "apiUrl": current.apiUrl = v
                        case "apiKey": current.apiKey = v
                        default: current.sessionId = v
                        }
                    }
                }
                log.notice("whatsapp settings saved", metadata: ["by": "\(principal)", "keys": "\(saved.map(\.0).joined(separator: ","))"])
                respond(.ok([:]))
            case .failure(let error):
                log.error("saving whatsapp settings failed", metadata: ["error": "\(error)"])
                respond(.error(.storeError("Settings could not be saved.")))
            }
        }
    }
}

/// At most one upstream fetch per chat per window, so a widget polling every second cannot
/// hammer the upstream (the legacy stack's failure).
package final class ChatThrottle: Sendable {
    private let last = Mutex<[String: Double]>([:])
    private let window: Double
    private let clock: @Sendable () -> Double

    package init(window: Double = 5, clock: @escaping @Sendable () -> Double = MonotonicSeconds.now) {
        self.window = window
        self.clock = clock
    }

    package func admit(_ chatId: String) -> Bool {
        let now = clock()
        return last.withLock { seen in
            if let t = seen[chatId], now - t < window { return false }
            if seen.count > 10_000 { seen = seen.filter { now - $0.value < window } }
            seen[chatId] = now
            return true
        }
    }
}

extension HTTPResponse {
    /// The legacy envelope: `{"success": true, ...}`.
    package static func ok(_ fields: JSONObject) -> HTTPResponse {
        var body: JSONObject = ["success": true]
        for m in fields.members where m.key != "success" { body.set(m.key, m.value) }
        return .json(200, JSONValue.object(body))
    }
}

/// Codes only the WhatsApp actions answer with.
extension HTTPError {
    /// `400`: `getChatMessages` without `?chatId=`.
    fileprivate static func missingChat(_ message: String) -> HTTPError { HTTPError(status: 400, code: "missing_chat", message: message) }
    /// `400`: `saveSettings` with an `apiUrl` that is not http(s).
    fileprivate static func invalidURL(_ message: String) -> HTTPError { HTTPError(status: 400, code: "invalid_url", message: message) }
}
