import Foundation
import Logging
import PushBroker
import PushCodec
import PushConfig
import PushHTTP
import PushObservability
import PushStore
import PushTransport
import Synchronization

/// This process as one node of a cluster (Docs/cluster.md): two Redis connections on one of the
/// server's loops — commands (PUBLISH, the shared token table) and a subscriber (the bus and
/// control channels) — the bus that carries publications to the other nodes (`bus`), the token
/// table they share (`tokens`), and the state `/healthz` reports.
///
/// Confinement: the Redis connections, the sequence table, `recentRevocations` and the token
/// push position belong to `loop` (touched only in its tasks); the outbox, the status flags and
/// the revocation handler are behind their own `Mutex`/`Atomic`, since any thread publishes,
/// asks for the status or revokes. That is what the `@unchecked Sendable` promises.
package final class ClusterNode: ServerModule, @unchecked Sendable {
    package let name = "cluster"
    package let nodeId: String
    /// Random per start: tells receivers that this node's sequence started again.
    let boot: String
    let busChannel: String
    let controlChannel: String
    let tokenKeyPrefix: String
    let loop: EventLoop
    let broker: Broker
    let store: StoreService
    let log: Logger
    let metrics: ClusterMetrics
    let logThrottle = LogThrottle()
    let commands: RedisConnection
    let subscriber: RedisSubscriber
    /// The bus every source publishes through in cluster mode.
    package private(set) var bus: RedisBus!

    /// Publications waiting to be numbered and sent, in the order they were published.
    let outbox = Mutex<(seq: UInt64, entries: [ClusterEnvelope], drainQueued: Bool)>((0, [], false))
    let outboxLimit: Int
    private let commandsUp = Atomic<Bool>(false)
    private let subscriberUp = Atomic<Bool>(false)
    let revocationHandler = Mutex<(@Sendable (Set<String>) -> Void)?>(nil)

    // Loop-confined.
    var sequences = PeerSequences()
    /// Hashes revoked through the cluster in the last minute: a revocation this node applies to
    /// its own table comes back through its revocation log and must not be announced again.
    var recentRevocations: [String: UInt64] = [:]
    var tokenSync: TokenSync?

    /// Builds the node (nothing connects before `start`). Throws with one line on a bad URL.
    package init(config: ServerConfig, broker: Broker, group: LoopGroup, store: StoreService,
                 metrics: ServerMetrics, log: Logger, redis: RedisConfiguration? = nil) throws(StartupError) {
        let cluster = config.cluster
        guard let text = cluster.redis else { throw StartupError("cluster.redis is not set") }
        let url: RedisURL
        do { url = try RedisURL(parsing: text) } catch { throw StartupError("invalid config: cluster.redis: \(error)") }
        nodeId = cluster.nodeId ?? Self.generatedNodeId()
        boot = Digest.hex(Digest.randomBytes(8))
        busChannel = cluster.channelPrefix + ":bus"
        controlChannel = cluster.channelPrefix + ":control"
        tokenKeyPrefix = cluster.channelPrefix + ":token:"
        loop = group.next()
        self.broker = broker
        self.store = store
        var log = log
        log[metadataKey: "node"] = "\(nodeId)"
        self.log = log
        self.metrics = ClusterMetrics(metrics)
        var settings = redis ?? RedisConfiguration(url: url)
        settings.url = url
        if url.isTLS, settings.tls == nil {
            do { settings.tls = try TLSContext.client(verifyPeer: true, caFile: cluster.tlsCAFile) } catch {
                throw StartupError("invalid config: cluster.tlsCAFile: \(error)")
            }
        }
        settings.clientName = "wamp-push:" + nodeId
        outboxLimit = settings.maxPendingCommands
        var commandsLog = log
        commandsLog[metadataKey: "redis"] = "commands"
        var subscriberLog = log
        subscriberLog[metadataKey: "redis"] = "subscriber"
        commands = RedisConnection(configuration: settings, loop: loop, group: group, logger: commandsLog)
        var subscriberSettings = settings
        subscriberSettings.clientName = "wamp-push:" + nodeId + ":sub"
        // The subscriber exists before `self` does; its messages find the node through this.
        let received = WeakNode()
        subscriber = RedisSubscriber(configuration: subscriberSettings, loop: loop, group: group, logger: subscriberLog) { message in
            received.node?.receive(message)
        }
        received.node = self
        bus = RedisBus(local: InProcessBus(broker: broker), node: self)
        commands.onStateChange = { [weak self] state in self?.stateChanged(commands: state) }
        subscriber.onStateChange = { [weak self] state in self?.stateChanged(subscriber: state) }
    }

    /// `host-1a2b3c`: readable in logs, unique enough per start.
    static func generatedNodeId() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "node"
        let clean = String(host.unicodeScalars.filter { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-") }.prefix(40))
        return (clean.isEmpty ? "node" : clean) + "-" + Digest.hex(Digest.randomBytes(3))
    }

    /// What sessions closed by a revocation made elsewhere go through (set before `start`).
    package func onRemoteRevocation(_ handler: @escaping @Sendable (Set<String>) -> Void) {
        revocationHandler.withLock { $0 = handler }
    }

    // MARK: ServerModule

    package func registerRoutes(_ routes: Router.Builder) {}

    package func start() throws(StartupError) {
        // The token sync first: its loop task must be in place before the commands connection
        // can report "up" (on loopback that can happen in the same turn as the connect).
        startTokenSync()
        loop.execute { [self] in
            subscriber.subscribe(busChannel)
            subscriber.subscribe(controlChannel)
            commands.start()
            subscriber.start()
        }
        log.info("cluster node started", metadata: ["url": "\(commands.configuration.url)", "bus": "\(busChannel)"])
    }

    package func stop() {
        loop.sync { [self] in
            tokenSync?.stop()
            commands.stop()
            subscriber.stop()
        }
    }

    package func startupWarnings() -> [String] { [] }

    // MARK: Status

    /// True while the commands connection is up (any thread).
    var commandsAreUp: Bool { commandsUp.load(ordering: .relaxed) }

    /// `ok` while both connections are up, else `degraded` (the node still serves its own sessions).
    package var status: String {
        commandsUp.load(ordering: .relaxed) && subscriberUp.load(ordering: .relaxed) ? "ok" : "degraded"
    }

    private func stateChanged(commands state: RedisConnectionState) {
        commandsUp.store(state == .up, ordering: .relaxed)
        metrics.stateChanged("commands", state)
        if state == .up { tokenSync?.connected() }
    }

    private func stateChanged(subscriber state: RedisConnectionState) {
        subscriberUp.store(state == .up, ordering: .relaxed)
        metrics.stateChanged("subscriber", state)
    }
}

/// Set once during `ClusterNode.init`, before any message can arrive (the subscriber starts in
/// `start()`), and read on the node's loop afterwards: hence `@unchecked Sendable`.
private final class WeakNode: @unchecked Sendable {
    weak var node: ClusterNode?
}

/// The node's `wamp_push_cluster_*` series (Docs/cluster.md, "Metrics").
struct ClusterMetrics: Sendable {
    let sent, redisDown, queueFull, connectionLost: Counter
    let delivered, own, duplicate, refused, malformed: Counter
    let gapEvents: Counter
    let revocationsSent, revocationsReceived: Counter
    let tokensPushed, tokenPushFailures: Counter
    private let metrics: ServerMetrics

    init(_ metrics: ServerMetrics) {
        self.metrics = metrics
        func published(_ result: String) -> Counter { metrics.counter("wamp_push_cluster_published_total", [("result", result)]) }
        func received(_ result: String) -> Counter { metrics.counter("wamp_push_cluster_received_total", [("result", result)]) }
        sent = published("sent")
        redisDown = published("redis_down")
        queueFull = published("queue_full")
        connectionLost = published("connection_lost")
        delivered = received("delivered")
        own = received("own")
        duplicate = received("duplicate")
        refused = received("refused")
        malformed = received("malformed")
        gapEvents = metrics.counter("wamp_push_cluster_missed_total")
        revocationsSent = metrics.counter("wamp_push_cluster_revocations_total", [("direction", "sent")])
        revocationsReceived = metrics.counter("wamp_push_cluster_revocations_total", [("direction", "received")])
        tokensPushed = metrics.counter("wamp_push_cluster_tokens_pushed_total", [("result", "ok")])
        tokenPushFailures = metrics.counter("wamp_push_cluster_tokens_pushed_total", [("result", "failed")])
    }

    func stateChanged(_ connection: String, _ state: RedisConnectionState) {
        let label: String
        switch state {
        case .up: label = "up"
        case .down: label = "down"
        case .connecting: return
        }
        metrics.counter("wamp_push_cluster_state_changes_total", [("connection", connection), ("state", label)]).increment()
    }
}
