import PushClient
import PushCodec

/// The settings of one call, checked: a parsed base URL and a usable session id.
package struct UpstreamTarget: Sendable {
    package init(settings: UpstreamSettings, url: ClientURL, display: String) {
        self.settings = settings
        self.url = url
        self.display = display
    }

    package let settings: UpstreamSettings
    package let url: ClientURL
    /// The configured apiUrl as people wrote it (for messages).
    package let display: String

    package static func resolve(_ settings: UpstreamSettings) throws(UpstreamError) -> UpstreamTarget {
        var display = settings.apiUrl.trimmingSpaces()
        while display.hasSuffix("/") { display.removeLast() }
        guard !display.isEmpty else { throw UpstreamError(.notConfigured, "whatsapp.apiUrl is not set") }
        let url: ClientURL
        do {
            url = try ClientURL.parse(String(display))
        } catch {
            throw UpstreamError(.notConfigured, "whatsapp.apiUrl is not usable: \(error.message)")
        }
        guard url.scheme == "http" || url.scheme == "https" else {
            throw UpstreamError(.notConfigured, "whatsapp.apiUrl must start with http:// or https://, not \(url.scheme)://")
        }
        let session = settings.sessionId
        guard !session.isEmpty else { throw UpstreamError(.notConfigured, "whatsapp.sessionId is not set") }
        // wwebjs-api's own rule (`^[\w-]+$`); it also keeps the id safe to put in a path unescaped.
        guard session.utf8.allSatisfy(Self.isSessionIdByte) else {
            throw UpstreamError(.notConfigured, "whatsapp.sessionId '\(session)' may only contain letters, digits, '_' and '-'")
        }
        return UpstreamTarget(settings: settings, url: url, display: String(display))
    }

    /// `GET /prefix/session/status/abc`: the request as it went out, base path included.
    package func describe(_ method: String, _ path: String) -> String {
        var prefix = url.path
        if let query = prefix.firstIndex(of: "?") { prefix = String(prefix[..<query]) }
        while prefix.hasSuffix("/") { prefix.removeLast() }
        return "\(method) \(prefix)\(path)"
    }

    private static func isSessionIdByte(_ c: UInt8) -> Bool {
        (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c == 95 || c == 45
    }
}

/// One answer of the upstream.
package struct UpstreamReply: Sendable {
    package init(status: Int, reason: String, json: JSONValue?, body: [UInt8], route: String, target: UpstreamTarget) {
        self.status = status
        self.reason = reason
        self.json = json
        self.body = body
        self.route = route
        self.target = target
    }

    package var status: Int
    package var reason: String
    /// The body parsed as JSON, or nil when it is not JSON.
    package var json: JSONValue?
    package var body: [UInt8]
    /// `GET /session/status/abc`, for messages.
    package var route: String
    package var target: UpstreamTarget

    /// The wwebjs-api `error` (or `message`) text of the body.
    package var upstreamText: String? { UpstreamError.upstreamText(json) }

    /// The first bytes of the body on one line, for messages about bodies we cannot use.
    package var snippet: String {
        let text = String(decoding: body.prefix(80), as: UTF8.self)
        let oneLine = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
        let trimmed = oneLine.trimmingSpaces()
        return trimmed.isEmpty ? "an empty body" : "'\(trimmed)\(body.count > 80 ? "..." : "")'"
    }
}

extension UpstreamClient {
    /// Sends `method route/:sessionId` with the current settings and returns the answer, whatever
    /// its status. Only transport failures throw here; each route judges the status itself.
    package func call(_ method: String, _ route: String, body: JSONValue? = nil, timeout: Double? = nil) throws(UpstreamError) -> UpstreamReply {
        let target = try UpstreamTarget.resolve(settings.current)
        let path = "\(route)/\(target.settings.sessionId)"
        let described = target.describe(method, path)
        var headers = [("Accept", "application/json")]
        if !target.settings.apiKey.isEmpty { headers.append(("x-api-key", target.settings.apiKey)) }
        let requestTimeout = timeout ?? timeouts.request
        let key = UpstreamConnectionPool.Key(url: target.url.description, connectTimeout: timeouts.connect, requestTimeout: requestTimeout)
        let lease = pool.checkout(key, url: target.url)
        defer { pool.checkin(lease) }
        let response: HTTPClientResponse
        do {
            response = try lease.http.request(method, path, headers: headers, body: body?.jsonBytes)
        } catch {
            throw Self.transportError(error, target: target, route: described, timeout: requestTimeout)
        }
        let json = try? JSONParser.parse(response.body)
        return UpstreamReply(status: response.status, reason: response.head.reason, json: json,
                             body: response.body, route: described, target: target)
    }

    /// The body of a successful answer: a 2xx JSON object whose `success` is not false.
    package func successObject(_ reply: UpstreamReply) throws(UpstreamError) -> JSONValue {
        guard (200..<300).contains(reply.status) else { throw Self.statusError(reply) }
        guard let json = reply.json, json.objectValue != nil else {
            throw UpstreamError(.badResponse, "the WhatsApp API answered \(reply.route) with \(reply.snippet), not a JSON object (is apiUrl pointing at wwebjs-api?)")
        }
        if json["success"]?.boolValue == false {
            throw UpstreamError(.upstream(status: reply.status), "the WhatsApp API refused \(reply.route): \(reply.upstreamText ?? "success is false")")
        }
        return json
    }

    /// The `name` array of a successful answer (`chats`, `contacts`, `messages`).
    package func successList(_ reply: UpstreamReply, _ name: String) throws(UpstreamError) -> [JSONValue] {
        let json = try successObject(reply)
        guard let list = json[name]?.arrayValue else {
            throw UpstreamError(.badResponse, "the WhatsApp API answered \(reply.route) without a '\(name)' list")
        }
        return list
    }

    /// Maps a non-2xx answer to the error a person can act on.
    package static func statusError(_ reply: UpstreamReply) -> UpstreamError {
        let text = reply.upstreamText
        switch reply.status {
        case 403 where text == nil || text == "Invalid API key":
            let hint = reply.target.settings.apiKey.isEmpty ? " (whatsapp.apiKey is not set)" : ""
            return UpstreamError(.unauthorized, "the WhatsApp API rejected the API key\(hint)")
        case 404 where reply.json?.objectValue == nil:
            // Express's default page: the route does not exist on that server.
            return UpstreamError(.notFound(route: reply.route),
                                 "the WhatsApp API has no route \(reply.route) (is apiUrl pointing at wwebjs-api?)")
        case 404 where text.map(UpstreamError.sessionReasons.contains) == true:
            let reason = text ?? ""
            return UpstreamError(.sessionNotReady(reason: reason),
                                 "the WhatsApp session '\(reply.target.settings.sessionId)' is not ready: \(reason)")
        default:
            if let text {
                return UpstreamError(.upstream(status: reply.status), "the WhatsApp API answered \(reply.status) to \(reply.route): \(text)")
            }
            return UpstreamError(.upstream(status: reply.status),
                                 "the WhatsApp API answered \(reply.status) \(reply.reason) to \(reply.route) with \(reply.snippet)")
        }
    }

    /// Maps a connect, TLS, timeout or protocol failure of the HTTP client.
    package static func transportError(_ error: ClientError, target: UpstreamTarget, route: String, timeout: Double) -> UpstreamError {
        switch error.kind {
        case .invalidURL:
            return UpstreamError(.notConfigured, "whatsapp.apiUrl is not usable: \(error.message)")
        case .connect, .tls, .closed:
            return UpstreamError(.unreachable, "WhatsApp API at \(target.display) is unreachable: \(error.message)")
        case .timeout:
            // The client's deadline covers connecting too; a connect that timed out means unreachable.
            if error.message.contains("connecting to") || error.message.contains("TLS handshake") {
                return UpstreamError(.unreachable, "WhatsApp API at \(target.display) is unreachable: \(error.message)")
            }
            return UpstreamError(.timeout, "WhatsApp API at \(target.display) did not answer \(route) within \(formatSeconds(timeout)) s")
        case .protocolError:
            return UpstreamError(.badResponse, "WhatsApp API at \(target.display) sent a malformed HTTP answer to \(route): \(error.message)")
        }
    }

    private static func formatSeconds(_ seconds: Double) -> String {
        "\((seconds * 1000).rounded() / 1000)"
    }
}
