import PushCodec

/// A blocking client for the wwebjs-api HTTP API (its routes: Docs/whatsapp.md, "REST actions";
/// its answers: Fixtures/whatsapp-upstream/manifest.json).
///
/// Every method blocks until the answer or a timeout: call them off the event loops, through
/// `run` or from a worker thread. Methods are thread-safe; each call reads the current settings
/// once, then borrows a pooled keep-alive connection for its request.
public final class UpstreamClient: Sendable {
    /// Read at the start of every call, so `saveSettings` takes effect on the next one.
    public let settings: UpstreamSettingsBox
    public let timeouts: UpstreamTimeouts
    package let pool = UpstreamConnectionPool()
    private let workers: UpstreamWorkQueue

    /// `maxConcurrentCalls` bounds the calls `run` executes at once; up to `maxWaitingCalls` more wait.
    public init(settings: UpstreamSettingsBox, timeouts: UpstreamTimeouts = UpstreamTimeouts(),
                maxConcurrentCalls: Int = 4, maxWaitingCalls: Int = 256) {
        self.settings = settings
        self.timeouts = timeouts
        self.workers = UpstreamWorkQueue(limit: maxConcurrentCalls, maxPending: maxWaitingCalls)
    }

    /// Runs `body` on the client's worker threads (at most `maxConcurrentCalls` at once) and hands
    /// its result to `completion` on that worker thread. When too many calls already wait,
    /// `completion` gets a `.timeout` error at once (on the caller's thread) instead.
    public func run<T: Sendable>(_ body: @escaping @Sendable (UpstreamClient) throws(UpstreamError) -> T,
                                 completion: @escaping @Sendable (Result<T, UpstreamError>) -> Void) {
        let accepted = workers.submit { [self] in
            let result: Result<T, UpstreamError>
            do throws(UpstreamError) {
                result = .success(try body(self))
            } catch {
                result = .failure(error)
            }
            completion(result)
        }
        if !accepted {
            completion(.failure(UpstreamError(.timeout, "too many WhatsApp API calls are already waiting (\(workers.maxPending)); try again shortly")))
        }
    }

    /// Closes idle connections (on shutdown, or to force new connections).
    public func closeConnections() { pool.closeAll() }

    // MARK: - Session

    /// `GET /session/start/:id`; a session that already exists counts as started.
    public func startSession() throws(UpstreamError) -> UpstreamStartOutcome {
        let reply = try call("GET", "/session/start", timeout: timeouts.sessionStart)
        if reply.status == 422, reply.upstreamText?.hasPrefix("Session already exists") == true {
            return .alreadyRunning
        }
        _ = try successObject(reply)
        return .started
    }

    /// `GET /session/status/:id`; always answers 200, `success:false` just means "not connected".
    public func sessionStatus() throws(UpstreamError) -> UpstreamSessionStatus {
        let reply = try call("GET", "/session/status")
        guard (200..<300).contains(reply.status) else { throw Self.statusError(reply) }
        guard let json = reply.json, json.objectValue != nil else {
            throw UpstreamError(.badResponse, "the WhatsApp API answered \(reply.route) with \(reply.snippet), not a JSON object (is apiUrl pointing at wwebjs-api?)")
        }
        let state = json["state"]?.stringValue
        let message = json["message"]?.stringValue ?? ""
        return UpstreamSessionStatus(state: state, message: message, connected: state == "CONNECTED")
    }

    /// `GET /session/qr/:id`: the QR payload, or why there is none (`success:false` with 200).
    public func qrCode() throws(UpstreamError) -> UpstreamQRCode {
        let reply = try call("GET", "/session/qr")
        guard (200..<300).contains(reply.status) else { throw Self.statusError(reply) }
        guard let json = reply.json, json.objectValue != nil else {
            throw UpstreamError(.badResponse, "the WhatsApp API answered \(reply.route) with \(reply.snippet), not a JSON object (is apiUrl pointing at wwebjs-api?)")
        }
        if json["success"]?.boolValue == true, let qr = json["qr"]?.stringValue, !qr.isEmpty {
            return .code(qr)
        }
        return .notReady(reply.upstreamText ?? "no QR code available")
    }

    /// `GET /session/terminate/:id` (log out); false when there was no session to terminate.
    public func terminateSession() throws(UpstreamError) -> Bool {
        let reply = try call("GET", "/session/terminate")
        if (200..<300).contains(reply.status), reply.json?["success"]?.boolValue == false,
           reply.upstreamText == "session_not_found" {
            return false
        }
        _ = try successObject(reply)
        return true
    }

    // MARK: - Chats, contacts, messages

    /// `GET /client/getChats/:id`: serialized wwebjs Chats.
    public func chats() throws(UpstreamError) -> [JSONValue] {
        try successList(call("GET", "/client/getChats"), "chats")
    }

    /// `GET /client/getContacts/:id`: serialized wwebjs Contacts (groups and strangers included).
    public func contacts() throws(UpstreamError) -> [JSONValue] {
        try successList(call("GET", "/client/getContacts"), "contacts")
    }

    /// `POST /chat/fetchMessages/:id`: the newest `limit` (clamped to 1...200) messages, oldest first.
    public func fetchMessages(chatId: String, limit: Int) throws(UpstreamError) -> [JSONValue] {
        let clamped = min(max(limit, 1), 200)
        let body: JSONValue = ["chatId": .string(chatId), "searchOptions": ["limit": .number(clamped)]]
        return try successList(call("POST", "/chat/fetchMessages", body: body), "messages")
    }

    /// `POST /client/sendMessage/:id` with a text; returns the message the upstream created.
    public func sendMessage(chatId: String, text: String) throws(UpstreamError) -> UpstreamSentMessage {
        let body: JSONValue = ["chatId": .string(chatId), "contentType": "string", "content": .string(text)]
        let reply = try call("POST", "/client/sendMessage", body: body)
        let json = try successObject(reply)
        guard let message = json["message"], message.objectValue != nil else {
            throw UpstreamError(.badResponse, "the WhatsApp API answered \(reply.route) without the sent message")
        }
        // wwebjs serializes the id as an object; tolerate a plain string too.
        guard let id = message["id"]?["_serialized"]?.stringValue ?? message["id"]?.stringValue, !id.isEmpty else {
            throw UpstreamError(.badResponse, "the WhatsApp API answered \(reply.route) with a message without an id")
        }
        let ack = message["ack"]?.int64Value.flatMap { Int(exactly: $0) }
        return UpstreamSentMessage(id: id, timestamp: message["timestamp"]?.int64Value, ack: ack, message: message)
    }
}
