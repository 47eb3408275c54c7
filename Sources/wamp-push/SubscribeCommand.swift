import ArgumentParser
import Foundation
import PushClient
import PushCodec
import PushConfig
import PushTransport

/// `wamp-push subscribe`: a terminal WAMP client that prints events as they arrive — what a
/// browser tab does, for watching the push path without a browser.
struct SubscribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscribe",
        abstract: "Connect like a browser (WAMP v1), subscribe, and print every event."
    )

    @Option(name: .long, help: "WebSocket URL, e.g. wss://127.0.0.1:8443/wss.") var url: String = "ws://127.0.0.1:8080/wss"
    @Option(name: .long, help: "User id.") var user: String
    @Option(name: .long, help: "Token.") var token: String
    @Option(name: .long, help: "Topic to subscribe to (repeatable).") var topic: [String] = [ServerConfig.whatsAppCategory]
    @Option(name: .long, help: "Stop after this many seconds (default: run until interrupted).") var seconds: Double?
    @Option(name: .long, help: "CA file to trust for wss (e.g. data/tls/cert.pem).") var cacert: String?
    @Flag(name: .long, help: "Do not verify the server certificate.") var insecure = false

    func run() throws {
        let separator = url.contains("?") ? "&" : "?"
        let full = url + separator + "authToken=\(token)&userId=\(user)"
        let tls: TLSContext? = url.hasPrefix("wss") ? try TLSContext.client(verifyPeer: !insecure, caFile: cacert) : nil
        let (webSocket, response) = try WebSocketClient.connect(url: full, protocols: ["wamp"], tls: tls, timeout: 10)
        guard let webSocket else {
            FileHandle.standardError.write("wamp-push: upgrade refused: \(response.status) \(response.bodyString())\n".data(using: .utf8)!)
            throw ExitCode(1)
        }
        guard case .welcome(let sessionId, _, let ident) = try WAMPCodec.decodeServerMessage(Array(try webSocket.receiveText(timeout: 10).utf8)) else {
            throw ValidationError("the server did not send WELCOME")
        }
        print("connected: session \(sessionId) (\(ident))")
        for t in topic {
            try webSocket.sendText(String(decoding: WAMPCodec.subscribe(t), as: UTF8.self))
            try webSocket.sendText(String(decoding: WAMPCodec.call(callId: "topic-\(t)", procURI: "urn:wamp-push:topic",
                                                                arguments: [.string(t)]), as: UTF8.self))
        }
        // WAMP v1 does not answer SUBSCRIBE and the server ignores undeclared topics, so ask it
        // about each topic: a silent drop is the legacy "no pushes" bug.
        var pending = Set(topic.map { "topic-\($0)" })
        while !pending.isEmpty {
            let reply = try WAMPCodec.decodeServerMessage(Array(try webSocket.receiveText(timeout: 10).utf8))
            switch reply {
            case .callResult(let callId, let info) where pending.contains(callId):
                pending.remove(callId)
                print(SubscriptionCheck.line(String(callId.dropFirst("topic-".count)), info))
            case .callError(let callId, _, _, _) where pending.contains(callId):
                pending.remove(callId) // a server without the check: nothing to tell
                print("subscribed: \(callId.dropFirst("topic-".count))")
            case .event(let t, let payload):
                printEvent(t, payload)
            default:
                continue
            }
        }
        let deadline = seconds.map { Date().addingTimeInterval($0) }
        while deadline.map({ Date() < $0 }) ?? true {
            let text: String
            do { text = try webSocket.receiveText(timeout: 1) } catch {
                if "\(error)".contains("timed out") { continue }
                print("connection closed: \(error)")
                throw ExitCode(1)
            }
            if case .event(let t, let payload) = try? WAMPCodec.decodeServerMessage(Array(text.utf8)) {
                printEvent(t, payload)
            } else {
                print(text)
            }
        }
        webSocket.close()
    }

    /// `<time> EVENT <topic>`, the summary of a WhatsApp event, then the raw JSON.
    private func printEvent(_ topic: String, _ payload: JSONValue) {
        let stamp = ISO8601DateFormatter().string(from: Date())
        if let summary = EventSummary.line(payload) {
            print("\(stamp) EVENT \(topic): \(summary)")
            print("    \(payload.jsonString)")
        } else {
            print("\(stamp) EVENT \(topic) \(payload.jsonString)")
        }
    }
}
