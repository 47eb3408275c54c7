import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket

/// `hummingbird-peer --host 127.0.0.1 --port 8090`: plain ws/http only, no auth, no TLS.
@main
struct HummingbirdPeer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hummingbird-peer",
        abstract: "WAMP v1 push broker on Hummingbird 2, a benchmark peer for wamp-push."
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8090

    @Option(help: "Frames queued per connection before it is closed (1008) as a slow consumer.")
    var sendBufferMessages = 4096

    func run() async throws {
        let broker = Broker()
        let app = Application(
            router: Self.httpRouter(broker: broker),
            server: .http1WebSocketUpgrade(
                webSocketRouter: Self.webSocketRouter(broker: broker, sendBufferMessages: sendBufferMessages),
                // Same frame limit as wamp-push's default `maxFrameBytes`.
                configuration: .init(ws: .init(maxFrameSize: 1 << 16))
            ),
            configuration: .init(address: .hostname(host, port: port), serverName: "hummingbird-peer")
        )
        try await app.runService()
    }

    static func httpRouter(broker: Broker) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ in
            jsonResponse(#"{"status":"ok"}"#)
        }
        router.post("/internal/publish") { request, context in
            let body = Array(try await request.body.collect(upTo: 16 << 20).readableBytesView)
            guard let spans = Wire.objectSpans(in: body) else {
                throw HTTPError(.badRequest, message: "Body must be a JSON object or an array of objects.")
            }
            // Validate every object before sending anything, so a bad batch publishes nothing.
            let decoder = JSONDecoder()
            let targets = try spans.map { span in
                do {
                    return try decoder.decode(Wire.PublishTarget.self, from: Data(body[span])).topicId
                } catch {
                    throw HTTPError(.badRequest, message: "Each object needs a string topicId.")
                }
            }
            var delivered = 0
            for (topic, span) in zip(targets, spans) {
                delivered += broker.publish(topic: topic, frame: Wire.event(topic: topic, object: body[span]))
            }
            return jsonResponse(#"{"accepted":\#(spans.count),"delivered":\#(delivered)}"#)
        }
        return router
    }

    static func webSocketRouter(broker: Broker, sendBufferMessages: Int) -> Router<BasicWebSocketRequestContext> {
        let router = Router(context: BasicWebSocketRequestContext.self)
        let shouldUpgrade: @Sendable (Request, BasicWebSocketRequestContext) async throws -> RouterShouldUpgrade = { request, _ in
            let offered = request.headers[values: .secWebSocketProtocol]
                .flatMap { $0.split(separator: ",") }
                .map { $0.trimmingCharacters(in: .whitespaces) }
            return offered.contains("wamp") ? .upgrade([.secWebSocketProtocol: "wamp"]) : .upgrade()
        }
        let onUpgrade: WebSocketDataHandler<WebSocketRouterContext<BasicWebSocketRequestContext>> = { inbound, outbound, _ in
            try await serveSession(inbound: inbound, outbound: outbound, broker: broker, sendBufferMessages: sendBufferMessages)
        }
        // EspoCRM dials `/wss`; `/` is kept for clients that dial the bare host.
        router.ws("/wss", shouldUpgrade: shouldUpgrade, onUpgrade: onUpgrade)
        router.ws("/", shouldUpgrade: shouldUpgrade, onUpgrade: onUpgrade)
        return router
    }

    /// One WAMP session: a writer task drains the outbox while this task reads client messages.
    static func serveSession(
        inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter,
        broker: Broker,
        sendBufferMessages: Int
    ) async throws {
        let session = UInt64.random(in: .min ... .max)
        let (frames, outbox) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingOldest(sendBufferMessages))
        outbox.yield(Wire.welcome(sessionID: String(session, radix: 16)))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for await frame in frames {
                        // `.custom` sends the shared buffer as is; `.text` would copy it per subscriber.
                        try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: frame)))
                    }
                    // The outbox only ends while the reader runs when the broker dropped a slow consumer.
                    if !Task.isCancelled {
                        try await outbound.close(.policyViolation, reason: "slow consumer")
                    }
                } catch {
                    // The connection is gone; the reader sees that and cleans up.
                }
            }
            let decoder = JSONDecoder()
            do {
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message,
                          let parsed = try? decoder.decode(Wire.ClientMessage.self, from: Data(text.utf8))
                    else { continue }
                    switch parsed {
                    case .subscribe(let topic): broker.subscribe(session: session, topic: topic, outbox: outbox)
                    case .unsubscribe(let topic): broker.unsubscribe(session: session, topic: topic)
                    case .ignored: break
                    }
                }
            } catch {
                // A read error ends the session like a close does.
            }
            broker.remove(session: session)
            outbox.finish()
            group.cancelAll()
        }
    }

    static func jsonResponse(_ json: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: json))
        )
    }
}
