import Foundation
import PushClient
import PushCodec

/// Posts a simulated incoming-message webhook to `url` every `interval` seconds, as wwebjs-api
/// would for a chat partner writing in. One POST at a time on its own thread (the next starts
/// only after the previous finished), so a slow receiver cannot pile up requests, and a blocking
/// POST never holds a shared Dispatch worker.
///
/// Confinement: `client` and `sequence` are touched only on the pump thread; `stopped` is
/// guarded by `condition`.
package final class FakeUpstreamWebhookPump: @unchecked Sendable {
    private static let chats: [(id: String, name: String)] = [
        ("491701234567@c.us", "Anna"), ("491705555555@c.us", "Ben"), ("53859493912625@lid", "Carla"),
    ]
    private static let texts = [
        "Hallo! Ist der Kurs im März noch frei?", "Danke für die Info 🙂", "Kann ich morgen vorbeikommen?",
        "Wie viel kostet der Kurs?", "Bis später!",
    ]

    private let target: ClientURL
    private let interval: Double
    private let apiKey: String?
    private let sessionId: String
    /// Called with each generated message (the fake adds it to its chat history).
    private let record: @Sendable (String, JSONValue) -> Void
    private let onEvent: (@Sendable (FakeUpstream.PumpEvent) -> Void)?
    private let condition = NSCondition()
    private var stopped = false
    private var client: HTTPClient?
    private var sequence = 0

    package init(url: String, every interval: Double, apiKey: String?, sessionId: String,
         record: @escaping @Sendable (String, JSONValue) -> Void,
         onEvent: (@Sendable (FakeUpstream.PumpEvent) -> Void)?) throws(FakeUpstreamError) {
        do {
            target = try ClientURL.parse(url)
        } catch {
            throw FakeUpstreamError("webhook URL: \(error.message)")
        }
        self.interval = max(0.05, interval)
        self.apiKey = apiKey
        self.sessionId = sessionId
        self.record = record
        self.onEvent = onEvent
    }

    /// Posts the first webhook right away, then one every `interval` seconds until `stop()`.
    package func start() {
        let thread = Thread { [self] in run() }
        thread.name = "wamp-push.fake-upstream.pump"
        thread.start()
    }

    /// No further POST starts; one in flight finishes (bounded by its timeout).
    package func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            postOne()
            condition.lock()
            let next = Date(timeIntervalSinceNow: interval)
            while !stopped && condition.wait(until: next) {}
            let done = stopped
            condition.unlock()
            if done { break }
        }
        client?.close()
        client = nil
    }

    private func postOne() {
        let chat = Self.chats[sequence % Self.chats.count]
        let text = Self.texts[sequence % Self.texts.count]
        sequence += 1
        let message = FakeUpstreamMessages.incoming(chatId: chat.id, text: text,
                                                    timestamp: Int64(Date().timeIntervalSince1970), notifyName: chat.name)
        record(chat.id, message)
        let body: JSONValue = ["dataType": "message", "sessionId": .string(sessionId), "data": ["message": message]]
        var headers: [(String, String)] = []
        if let apiKey, !apiKey.isEmpty { headers.append(("x-api-key", apiKey)) }
        let messageId = message["id"]?["_serialized"]?.stringValue ?? ""
        do {
            let response = try http().request("POST", target.path, headers: headers, body: body.jsonBytes)
            onEvent?(.delivered(status: response.status, chatId: chat.id, messageId: messageId))
        } catch {
            onEvent?(.failed("POST \(target): \(error.message)"))
        }
    }

    /// One keep-alive client for the receiver's origin; request targets carry the URL's path.
    private func http() -> HTTPClient {
        if let client { return client }
        var origin = target
        origin.path = "/"
        let fresh = HTTPClient(url: origin, connectTimeout: 2, requestTimeout: 5)
        client = fresh
        return fresh
    }
}
