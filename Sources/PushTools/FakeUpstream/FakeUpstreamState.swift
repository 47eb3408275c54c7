import Synchronization
import PushCodec

/// What the connection handler does with one request.
package enum FakeUpstreamAction: Sendable, Equatable {
    case respond(HTTPResponse)
    case hang
    case close
}

/// Everything the fake wwebjs-api knows, and how it answers a request. A value type, mutated
/// only under `FakeUpstream`'s lock; no I/O here.
package struct FakeUpstreamState {
    /// `x-api-key` every route but `/ping` requires; nil = no check (wwebjs-api without API_KEY).
    package var apiKey: String?
    /// Response bodies by fixture name (file name without extension).
    package var fixtures: [String: [UInt8]]
    package var session: FakeUpstream.SessionState = .connected
    /// Messages per chat id, in insertion order (`fetchMessages` sorts by timestamp).
    package var messages: [String: [JSONValue]] = [:]
    /// Every message `sendMessage` created, in order.
    package var sent: [JSONValue] = []
    package var requests: [FakeUpstream.RecordedRequest] = []
    package var connectionsAccepted = 0
    /// One-shot failures, consumed in order by the first matching request.
    package var pendingFailures: [(route: String, failure: FakeUpstream.Failure)] = []
    /// Failures that stay until cleared, by route.
    package var standingFailures: [String: FakeUpstream.Failure] = [:]

    package init(apiKey: String?, fixtures: [String: [UInt8]]) {
        self.apiKey = apiKey
        self.fixtures = fixtures
    }

    // MARK: - Dispatch

    /// Records `request` and decides the answer, like wwebjs-api's middleware chain would.
    package mutating func handle(_ request: HTTPRequest, now: Int64) -> FakeUpstreamAction {
        let head = request.head
        requests.append(.init(method: head.method, target: head.target, headers: head.headers, body: request.body))
        let path = String(head.path)
        if let failure = takeFailure(path) {
            switch failure {
            case .status(let status, let body): return .respond(.json(status, body))
            case .expressNotFound: return .respond(Self.expressNotFound(head.method, path))
            case .hang: return .hang
            case .closeConnection: return .close
            }
        }
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if head.method == "GET" && segments == ["ping"] { return .respond(fixture(200, "ping")) }
        if let apiKey, head.headers.first("x-api-key") != apiKey {
            return .respond(fixture(403, "error-invalid-api-key"))
        }
        guard segments.count == 3, let route = Route(head.method, segments[0], segments[1]) else {
            return .respond(Self.expressNotFound(head.method, path))
        }
        let sessionId = segments[2]
        guard sessionId.utf8.allSatisfy(Self.isSessionIdByte) else { return .respond(fixture(422, "error-session-name")) }
        if route.needsConnectedSession && session != .connected {
            return .respond(fixture(404, session == .absent ? "error-session-not-found" : "error-session-not-connected"))
        }
        return .respond(answer(route, sessionId: sessionId, body: request.body, now: now))
    }

    private enum Route {
        case start, status, qr, terminate, chats, contacts, fetchMessages, sendMessage

        package init?(_ method: String, _ group: String, _ name: String) {
            switch (method, group, name) {
            case ("GET", "session", "start"): self = .start
            case ("GET", "session", "status"): self = .status
            case ("GET", "session", "qr"): self = .qr
            case ("GET", "session", "terminate"): self = .terminate
            case ("GET", "client", "getChats"): self = .chats
            case ("GET", "client", "getContacts"): self = .contacts
            case ("POST", "chat", "fetchMessages"): self = .fetchMessages
            case ("POST", "client", "sendMessage"): self = .sendMessage
            default: return nil
            }
        }

        /// wwebjs-api's `sessionValidation` guards every `/client/*` and `/chat/*` route.
        package var needsConnectedSession: Bool {
            switch self {
            case .start, .status, .qr, .terminate: return false
            case .chats, .contacts, .fetchMessages, .sendMessage: return true
            }
        }
    }

    private mutating func answer(_ route: Route, sessionId: String, body: [UInt8], now: Int64) -> HTTPResponse {
        switch route {
        case .start:
            guard session == .absent else {
                let error: JSONValue = ["success": false, "error": .string("Session already exists for: \(sessionId)")]
                return .json(422, error.jsonString)
            }
            session = .connected
            return fixture(200, "session-start")
        case .status:
            switch session {
            case .absent: return fixture(200, "session-status-not-found")
            case .waitingForScan: return fixture(200, "session-status-not-connected")
            case .connected: return fixture(200, "session-status-connected")
            }
        case .qr:
            switch session {
            case .absent: return fixture(200, "session-qr-not-found")
            case .waitingForScan: return fixture(200, "session-qr")
            case .connected: return fixture(200, "session-qr-not-ready")
            }
        case .terminate:
            guard session != .absent else { return fixture(200, "session-terminate-not-found") }
            session = .absent
            return fixture(200, "session-terminate")
        case .chats:
            return fixture(200, "get-chats")
        case .contacts:
            return fixture(200, "get-contacts")
        case .fetchMessages:
            return fetchMessages(body)
        case .sendMessage:
            return sendMessage(body, now: now)
        }
    }

    // MARK: - Messages

    private func fetchMessages(_ body: [UInt8]) -> HTTPResponse {
        guard let request = try? JSONParser.parse(body) else {
            return Self.error(400, "request body is not JSON")
        }
        guard let chatId = request["chatId"]?.stringValue, knownChats.contains(chatId) else {
            return fixture(404, "error-chat-not-found")
        }
        // Oldest first, like wwebjs; with a limit, the newest `limit` of them.
        var list = messages[chatId] ?? []
        list = list.enumerated().sorted { a, b in
            let ta = a.element["timestamp"]?.int64Value ?? 0, tb = b.element["timestamp"]?.int64Value ?? 0
            return ta != tb ? ta < tb : a.offset < b.offset
        }.map(\.element)
        if let limit = request["searchOptions"]?["limit"]?.int64Value, limit > 0, limit < list.count {
            list = Array(list.suffix(Int(limit)))
        }
        let answer: JSONValue = ["success": true, "messages": .array(list)]
        return .json(200, answer.jsonString)
    }

    private mutating func sendMessage(_ body: [UInt8], now: Int64) -> HTTPResponse {
        guard let request = try? JSONParser.parse(body) else {
            return Self.error(400, "request body is not JSON")
        }
        let contentTypes = ["string", "MessageMedia", "MessageMediaFromURL", "Location", "Contact", "Poll"]
        guard let contentType = request["contentType"]?.stringValue, contentTypes.contains(contentType) else {
            return fixture(400, "error-invalid-content-type")
        }
        guard contentType == "string" else {
            return Self.error(400, "the fake upstream only sends contentType string")
        }
        guard let chatId = request["chatId"]?.stringValue, !chatId.isEmpty else {
            return Self.error(500, "chatId is required")
        }
        guard let text = request["content"]?.stringValue else {
            return Self.error(500, "content must be a string")
        }
        let template = (try? JSONParser.parse(fixtures["send-message"] ?? []))?["message"]
        let message = FakeUpstreamMessages.outgoing(template: template, chatId: chatId, text: text, timestamp: now)
        messages[chatId, default: []].append(message)
        sent.append(message)
        let answer: JSONValue = ["success": true, "message": message]
        return .json(200, answer.jsonString)
    }

    /// Chats `fetchMessages` knows: those with messages plus those `getChats` lists.
    private var knownChats: Set<String> {
        var ids = Set(messages.keys)
        if let chats = (try? JSONParser.parse(fixtures["get-chats"] ?? []))?["chats"]?.arrayValue {
            for chat in chats {
                if let id = chat["id"]?["_serialized"]?.stringValue ?? chat["id"]?.stringValue { ids.insert(id) }
            }
        }
        return ids
    }

    // MARK: - Failures

    private mutating func takeFailure(_ path: String) -> FakeUpstream.Failure? {
        if let index = pendingFailures.firstIndex(where: { fakeUpstreamRouteMatches($0.route, path) }) {
            return pendingFailures.remove(at: index).failure
        }
        return standingFailures.first { fakeUpstreamRouteMatches($0.key, path) }?.value
    }

    // MARK: - Bodies

    private func fixture(_ status: Int, _ name: String) -> HTTPResponse {
        guard let body = fixtures[name] else {
            return Self.error(500, "the fake upstream has no fixture '\(name)'")
        }
        return HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", "application/json; charset=utf-8")]), body: body)
    }

    /// wwebjs-api's error envelope.
    package static func error(_ status: Int, _ text: String) -> HTTPResponse {
        let body: JSONValue = ["success": false, "error": .string(text)]
        return .json(status, body.jsonString)
    }

    /// Express's default answer for an unknown route: an HTML page, not JSON.
    package static func expressNotFound(_ method: String, _ path: String) -> HTTPResponse {
        let escaped = path.replacingAll("&", "&amp;").replacingAll("<", "&lt;").replacingAll(">", "&gt;")
        let page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n"
            + "<body>\n<pre>Cannot \(method) \(escaped)</pre>\n</body>\n</html>\n"
        return HTTPResponse(status: 404, headers: HTTPHeaders([
            ("Content-Security-Policy", "default-src 'none'"),
            ("X-Content-Type-Options", "nosniff"),
            ("Content-Type", "text/html; charset=utf-8"),
        ]), body: Array(page.utf8))
    }

    private static func isSessionIdByte(_ c: UInt8) -> Bool {
        (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c == 95 || c == 45
    }
}

private extension String {
    /// Every occurrence of `target` replaced (no Foundation needed for this one use).
    func replacingAll(_ target: Character, _ replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}

/// The state under its lock, shared by the fake's API, its connections and its webhook pump.
package final class FakeUpstreamStateBox: Sendable {
    private let state: Mutex<FakeUpstreamState>

    package init(_ initial: FakeUpstreamState) { state = Mutex(initial) }

    package func withLock<T: Sendable>(_ body: (inout FakeUpstreamState) -> T) -> T {
        state.withLock { body(&$0) }
    }
}
