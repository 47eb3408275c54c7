import Foundation
import PushCodec
import PushTransport
import Synchronization

/// A fake wwebjs-api HTTP server for tests and demos, on our own transport and HTTP parser.
///
/// It serves the routes `UpstreamClient` calls from fixture JSON (`Fixtures/whatsapp-upstream/`),
/// checks `x-api-key` when given one, records every request, simulates one session and the
/// chats' messages, and can be told to fail, to answer Express's HTML 404 or to hang per route.
/// Routes are named by path prefix without the session id, e.g. `/session/status`.
public final class FakeUpstream: Sendable {
    /// The bound port (the real one when 0 was asked for).
    public let port: UInt16
    /// `http://127.0.0.1:<port>`: the `apiUrl` to configure.
    public let baseURL: String
    private let group: LoopGroup
    private let listener: Listener
    private let state: FakeUpstreamStateBox
    private let pump = Mutex<FakeUpstreamWebhookPump?>(nil)

    /// Binds `host:port` (0 = any free port) and loads the fixtures from `fixtures` (a directory;
    /// `Fixtures/whatsapp-upstream` by default). Call `start()` to serve.
    public init(port: UInt16 = 0, host: String = "127.0.0.1", apiKey: String? = nil, fixtures: String? = nil) throws(FakeUpstreamError) {
        guard let directory = fixtures ?? FakeUpstreamFixtures.defaultDirectory() else {
            throw FakeUpstreamError("cannot find Fixtures/whatsapp-upstream (run from the repository root or pass the fixture directory)")
        }
        let bodies = try FakeUpstreamFixtures.load(directory)
        var initial = FakeUpstreamState(apiKey: apiKey.flatMap { $0.isEmpty ? nil : $0 }, fixtures: bodies)
        initial.messages = FakeUpstreamFixtures.seedMessages(bodies)
        let state = FakeUpstreamStateBox(initial)
        self.state = state

        let address: SocketAddress
        do { address = try SocketAddress(host: host, port: port) } catch {
            throw FakeUpstreamError("invalid listen address \(host):\(port): \(error)")
        }
        let group = LoopGroup(loopCount: 1, maxConnections: 1024)
        self.group = group
        let decide: @Sendable (HTTPRequest) -> FakeUpstreamAction = { request in
            let now = Int64(Date().timeIntervalSince1970)
            return state.withLock { $0.handle(request, now: now) }
        }
        do {
            listener = try Listener(.init(address: address), group: group) { _ in
                state.withLock { $0.connectionsAccepted += 1 }
                return FakeUpstreamHandler(decide: decide)
            }
        } catch {
            throw FakeUpstreamError("cannot listen on \(address): \(error)")
        }
        self.port = listener.boundAddress.port
        self.baseURL = "http://\(listener.boundAddress)"
    }

    // Never leave the listener accepting, or the loop thread running, past our lifetime.
    deinit {
        stopWebhookPump()
        listener.stop()
        group.shutdown()
    }

    /// Starts accepting connections.
    public func start() { listener.start() }

    /// Stops the webhook pump, stops accepting and closes every connection (hung ones included).
    /// Blocks until the fake's loop has closed them; never call it from that loop.
    public func stop() {
        stopWebhookPump()
        listener.stop()
        group.forEachLoopSync { loop in
            for connection in loop.allConnections { connection.close() }
        }
        group.shutdown()
    }

    // MARK: - Inspection

    /// Every request received so far, in arrival order.
    public var requests: [RecordedRequest] { state.withLock { $0.requests } }

    /// The requests to `route` (a path prefix such as `/chat/fetchMessages`).
    public func requests(to route: String) -> [RecordedRequest] {
        requests.filter { fakeUpstreamRouteMatches(route, $0.path) }
    }

    /// TCP connections accepted so far (tests use it to check keep-alive reuse).
    public var connectionsAccepted: Int { state.withLock { $0.connectionsAccepted } }

    /// Forgets the recorded requests.
    public func clearRequests() { state.withLock { $0.requests.removeAll() } }

    /// Every message `sendMessage` created, in order.
    public var sentMessages: [JSONValue] { state.withLock { $0.sent } }

    /// The messages of a chat in insertion order (fixtures, sent and pumped ones).
    public func messages(chatId: String) -> [JSONValue] { state.withLock { $0.messages[chatId] ?? [] } }

    // MARK: - Scripting

    /// The simulated session (`.connected` at first, as after a restart with a saved login).
    public var sessionState: SessionState {
        get { state.withLock { $0.session } }
        set { state.withLock { $0.session = newValue } }
    }

    /// Requires `x-api-key: key` from now on (nil: no check).
    public func setAPIKey(_ key: String?) { state.withLock { $0.apiKey = key.flatMap { $0.isEmpty ? nil : $0 } } }

    /// The next request to `route` fails with `status` and this JSON body; later ones work again.
    public func failNext(route: String, status: Int, body: String) {
        failNext(route: route, with: .status(status, body: body))
    }

    /// The next request to `route` fails as described.
    public func failNext(route: String, with failure: Failure) {
        state.withLock { $0.pendingFailures.append((route: route, failure: failure)) }
    }

    /// Every request to `route` fails as described until `setFailure(route:, nil)`.
    public func setFailure(route: String, _ failure: Failure?) {
        state.withLock { $0.standingFailures[route] = failure }
    }

    /// Requests to `route` are never answered (or again normally with false).
    public func setHang(route: String, _ hang: Bool) {
        setFailure(route: route, hang ? .hang : nil)
    }

    /// Replaces the messages `fetchMessages` serves for `chatId`.
    public func setMessages(chatId: String, _ messages: [JSONValue]) {
        state.withLock { $0.messages[chatId] = messages }
    }

    /// Replaces a fixture body by name (`get-chats`, `session-status-connected`, ...).
    public func setFixture(_ name: String, _ body: String) {
        state.withLock { $0.fixtures[name] = Array(body.utf8) }
    }

    /// Serves these chats from `getChats`.
    public func setChats(_ chats: [JSONValue]) {
        setFixture("get-chats", JSONValue.object(["success": true, "chats": .array(chats)]).jsonString)
    }

    /// Serves these contacts from `getContacts`.
    public func setContacts(_ contacts: [JSONValue]) {
        setFixture("get-contacts", JSONValue.object(["success": true, "contacts": .array(contacts)]).jsonString)
    }

    // MARK: - Webhook pump

    /// Posts an incoming-message webhook (`dataType: message`) to `url` now and then every
    /// `seconds`, rotating through three chats; each message also joins that chat's history.
    /// Replaces a running pump. `onEvent` hears the outcome of every POST.
    public func startWebhookPump(url: String, every seconds: Double, apiKey: String? = nil,
                                 sessionId: String = "espocrm-session",
                                 onEvent: (@Sendable (PumpEvent) -> Void)? = nil) throws(FakeUpstreamError) {
        let state = self.state
        let fresh = try FakeUpstreamWebhookPump(url: url, every: seconds, apiKey: apiKey, sessionId: sessionId,
                                                record: { chat, message in state.withLock { $0.messages[chat, default: []].append(message) } },
                                                onEvent: onEvent)
        let old = pump.withLock { current in
            defer { current = fresh }
            return current
        }
        old?.stop()
        fresh.start()
    }

    /// Stops the webhook pump, if one runs.
    public func stopWebhookPump() {
        let old = pump.withLock { current in
            defer { current = nil }
            return current
        }
        old?.stop()
    }
}
