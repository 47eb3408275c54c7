import Foundation
import Logging
import PushBroker
import PushCluster
import PushCodec
import PushConfig
import PushEspo
import PushHTTP
import PushObservability
import PushStore
import PushTransport
import WhatsAppModule

/// A running wamp-push: store, loops, listeners and routes, wired together.
/// This is the only type that knows every layer.
public final class Server: Sendable {
    public let config: ServerConfig
    public let store: StoreService
    public let counters: Counters
    public let group: LoopGroup
    public let listeners: [Listener]
    /// The connection cap in force and how the open-file limit set it (logged at start).
    public let connectionBudget: ConnectionBudget
    let context: ServerContext
    let broker: Broker
    let authenticator: TokenAuthenticator
    let authQuotas: AuthQuotas
    /// Separate pools, so a flood of verifier runs cannot hold up subscriptions' access checks.
    let verifierRunner: CommandRunner
    let accessCheckRunner: CommandRunner
    /// Returns freed heap to the system once many connections have closed (Docs/benchmarks.md).
    let memoryTrimmer: MemoryTrimmer
    let revocations: RevocationWatcher
    /// The one entry point for publications (`Publisher` → the bus → the broker).
    let publisher: Publisher
    /// The modules switched on, in start order (Docs/architecture.md, "Modules").
    let modules: [any ServerModule]
    /// The WhatsApp module, always on today (its routes answer 503 until an upstream is set).
    let whatsApp: WhatsAppServerModule
    /// This node of a cluster (`cluster.redis`); nil: one node, no Redis.
    let cluster: ClusterNode?
    private let log: Logger

    /// Opens the store, loads TLS material and binds every listener. Any problem throws a
    /// `StartupError` whose description is the one line to print.
    /// `clock` measures connection deadlines (tests pass a fake one to step through them).
    public init(config: ServerConfig, log: Logger,
                clock: @escaping @Sendable () -> UInt64 = MonotonicClock.now) throws(StartupError) {
        do { try ConfigLoader.validate(config) } catch { throw StartupError(error.description) }
        self.config = config
        self.log = log
        FileLimits.raiseOpenFileLimit()
        do { store = try StoreService(path: config.database) } catch {
            throw StartupError("cannot open database \(config.database): \(error)")
        }
        counters = Counters()
        group = LoopGroup(maxConnections: config.limits.maxConnections,
                          addressQuota: AddressQuota(limit: config.limits.maxConnectionsPerAddress,
                                                     exemptLoopback: config.limits.addressLimitsExemptLoopback),
                          clock: clock)
        memoryTrimmer = MemoryTrimmer(group: group)
        broker = Broker(group: group, categories: Categories(config.categories), metrics: counters.metrics)
        if config.cluster.redis != nil {
            cluster = try ClusterNode(config: config, broker: broker, group: group, store: store, metrics: counters.metrics, log: log)
        } else {
            cluster = nil
        }
        publisher = Publisher(broker: broker, bus: cluster?.bus ?? InProcessBus(broker: broker), metrics: counters.metrics, log: log)
        verifierRunner = CommandRunner(maxConcurrent: config.auth.maxConcurrent)
        accessCheckRunner = CommandRunner(maxConcurrent: config.accessCheck.maxConcurrent, maxQueued: config.accessCheck.maxQueued,
                                          maxQueuedPerKey: config.accessCheck.maxQueuedPerUser)
        let verifier = config.auth.verifyCommand.map { [verifierRunner] in
            ExternalTokenVerifier(commandTemplate: $0, workingDirectory: config.auth.workingDirectory,
                                  cacheSeconds: config.auth.cacheSeconds, timeoutSeconds: config.auth.timeoutSeconds, runner: verifierRunner)
        }
        let accessChecker = config.categories.values.contains { $0.accessCheckCommand != nil }
            ? AccessChecker(commandPrefix: config.accessCheck.commandPrefix, workingDirectory: config.accessCheck.workingDirectory,
                            timeoutSeconds: config.accessCheck.timeoutSeconds, runner: accessCheckRunner)
            : nil
        authQuotas = AuthQuotas(limits: config.limits, metrics: counters.metrics, log: log)
        authenticator = TokenAuthenticator(store: store, verifier: verifier, quotas: authQuotas, shared: cluster, log: log)
        let services = WAMPServices(broker: broker, publisher: publisher, accessChecker: accessChecker, counters: counters, log: log,
                                    maxSubscriptionsPerSession: config.limits.maxSubscriptionsPerSession,
                                    maxTopicBytes: config.limits.maxTopicBytes,
                                    maxPrefixesPerSession: config.limits.maxPrefixesPerSession,
                                    maxPendingChecksPerSession: config.accessCheck.maxPendingPerSession)
        let store = self.store
        let broker = self.broker
        let publisher = self.publisher
        let authenticator = self.authenticator
        let authQuotas = self.authQuotas
        let cluster = self.cluster
        let onRevoked: @Sendable (Set<String>) -> Void = { hashes in
            authenticator.invalidate(tokenHashes: hashes)
            broker.closeSessions(tokenHashes: hashes)
            cluster?.announceRevocation(hashes)
        }
        cluster?.onRemoteRevocation { hashes in
            authenticator.invalidate(tokenHashes: hashes)
            broker.closeSessions(tokenHashes: hashes)
        }
        revocations = RevocationWatcher(store: store, log: log, onRevoked: onRevoked)
        let metrics = counters.metrics
        let moduleContext = ModuleContext(config: config, store: store, publisher: publisher, metrics: metrics, log: log)
        whatsApp = try WhatsAppServerModule(moduleContext)
        var enabled: [any ServerModule] = []
        // In a cluster the WhatsApp module runs on one node only (Docs/cluster.md).
        if let cluster { enabled.append(cluster) }
        let whatsAppHere = cluster.map { $0.nodeId == config.cluster.whatsAppNode } ?? true
        enabled.append(whatsAppHere ? whatsApp : WhatsAppElsewhere(node: config.cluster.whatsAppNode))
        // EspoCRM's ZeroMQ ingress, only when espo.zeroMQ is set (Docs/espocrm.md).
        if config.espo.zeroMQ != nil { enabled.append(try EspoZeroMQModule(moduleContext)) }
        modules = enabled
        let modules = self.modules
        let loops = group
        let logThrottle = counters.logThrottle
        let policy = AccessPolicy(publishSecret: config.publishSecret, webhookSecret: config.whatsapp.webhookSecret,
                                  adminUsers: Set(config.auth.adminUsers), authenticator: authenticator)
        // Every route declares who may call it (Docs/security.md, "Who may call each route").
        let router = Router(policy: policy) { r in
            let health = HealthCheck(store: store, cluster: cluster, log: log, throttle: logThrottle)
            r.add("GET", "/healthz", .anyone, ClosureRoute { _, _, respond in health.respond(respond) })
            r.add("GET", "/metrics", .backendOrLoopback, MetricsRoute(metrics: metrics, stats: broker.stats, group: loops))
            // The WAMP handshake authenticates itself: authToken + userId in the query (Docs/protocol.md).
            let wamp = WAMPUpgradeRoute(authenticator: authenticator, quotas: authQuotas, services: services)
            r.upgrade("/wss", .anyone, wamp)
            r.upgrade("/", .anyone, wamp)
            // A plain GET here means the Upgrade header was lost on the way (a proxy without the
            // WebSocket headers, the legacy 502 setup): say so instead of a bare 404.
            r.add("GET", "/wss", .anyone, ClosureRoute { _, _, respond in
                respond(.error(.upgradeRequired(
                    "GET /wss needs a WebSocket upgrade (Upgrade: websocket, Connection: Upgrade); a proxy in front may be dropping those headers.",
                    headers: [("Upgrade", "websocket")])))
            })
            r.add("POST", "/internal/publish", .backend, InternalPublishRoute(publisher: publisher))
            r.add("POST", "/internal/tokens", .backend, CreateTokenRoute(store: store, log: log))
            r.addPrefix("DELETE", RevokeTokenRoute.prefix, .backend, RevokeTokenRoute(store: store, onRevoked: onRevoked, cluster: cluster, log: log))
            for module in modules { module.registerRoutes(r) }
            // Development tools: open to anyone, so they exist only while switched on.
            if config.diagnostics.echo { r.upgrade("/echo", .anyone, EchoRoute()) }
            if config.diagnostics.console {
                r.add("GET", "/console", .anyone, ConsolePageRoute())
                r.add("GET", "/console/stats", .anyone, ConsoleStatsRoute(stats: broker.stats, group: loops))
            }
        }
        context = ServerContext(config: config, router: router, log: log, counters: counters)

        var bound: [Listener] = []
        let context = self.context
        let counters = self.counters
        let onEvent = TransportEventLog.handler(counters: counters, log: log)
        for spec in config.listeners {
            let address: SocketAddress
            do { address = try SocketAddress.parse(spec.address) } catch { throw StartupError("listener \(spec.address): \(error)") }
            var tls: TLSContext?
            if let files = spec.tls {
                tls = try Self.loadTLS(files, dataDirectory: config.dataDirectory, log: log)
            }
            let configuration = Listener.Configuration(address: address, tls: tls, policy: config.limits.connectionPolicy)
            do {
                bound.append(try Listener(configuration, group: group, onEvent: onEvent) { connection in
                    connection.flushesFirst = true // request/response until it upgrades
                    return HTTPConnectionHandler(context: context)
                })
            } catch {
                throw StartupError("cannot listen on \(address): \(error)")
            }
        }
        listeners = bound
        // Measured last, with the store, loops and listeners open: what is left is for connections.
        let budget = ConnectionBudget.measure(configured: config.limits.maxConnections, reserve: config.limits.reservedDescriptors)
        if let problem = budget.problem { throw StartupError(problem) }
        group.limitConnections(to: budget.cap)
        connectionBudget = budget
    }

    public func start() throws(StartupError) {
        do { try revocations.start() } catch { throw StartupError("cannot read the token table: \(error)") }
        let budget = connectionBudget
        log.info("connection limit", metadata: [
            "maxConnections": "\(budget.cap)", "configured": "\(budget.configured)", "openFileLimit": "\(budget.openFileLimit)",
            "openAtStart": "\(budget.inUse)", "reservedDescriptors": "\(budget.reserve)",
            "setBy": "\(budget.limitedByDescriptors ? "open-file limit" : "limits.maxConnections")"])
        for module in modules { try module.start() }
        memoryTrimmer.start()
        for listener in listeners {
            listener.start()
            log.info("listening", metadata: ["address": "\(listener.boundAddress)", "tls": "\(listener.info.isTLS)"])
        }
        for warning in SecurityWarnings.atStart(config, databasePermissions: Database.permissions(ofFileAt: config.database)) {
            log.warning("\(warning.message)", metadata: warning.metadata.mapValues { .string($0) })
        }
        for module in modules {
            for warning in module.startupWarnings() { log.warning("\(warning)", metadata: ["module": "\(module.name)"]) }
        }
    }

    /// Graceful stop (SIGTERM/SIGINT): stop accepting, close every WAMP session with 1001, let
    /// queued writes drain (bounded by `gracePeriod`), then close what is left and the store.
    /// Work already queued on the store (a committing webhook, say) finishes before it closes.
    public func stop(gracePeriod: Double = 3) {
        for listener in listeners { listener.stop() }
        memoryTrimmer.stop()
        revocations.stop()
        for module in modules.reversed() { module.stop() }
        broker.closeAllSessions(reason: "server shutting down")
        group.forEachLoopSync { loop in
            for connection in loop.allConnections where !(connection.handler is WebSocketHandler) {
                connection.closeAfterFlush()
            }
        }
        let deadline = MonotonicClock.now() + MonotonicClock.seconds(gracePeriod)
        while group.connectionCount > 0 && MonotonicClock.now() < deadline { usleep(10_000) }
        group.forEachLoopSync { loop in
            for connection in loop.allConnections { connection.close() }
        }
        store.close()
        group.shutdown()
    }

    /// Publishes from inside the process (tests, embedding): the same entry point
    /// `/internal/publish` uses, without the HTTP hop.
    public func publish(topic: String, payload: JSONValue, userId: String? = nil,
                        completion: (@Sendable (Int) -> Void)? = nil) throws(PublishError) {
        publisher.publish([try publisher.prepare(topic: topic, payload: payload, userId: userId)], completion: completion)
    }

    /// Live gauges for tests and the console.
    public var sessionCount: Int { broker.stats.sessionCount }
    public var subscriptionCount: Int { broker.stats.subscriptionCount }

    /// URLs a person can open, one per listener (`https://127.0.0.1:8443`).
    public var baseURLs: [(url: String, tls: Bool)] {
        listeners.map { l in
            let scheme = l.info.isTLS ? "https" : "http"
            return ("\(scheme)://\(l.boundAddress)", l.info.isTLS)
        }
    }

    /// Loads the configured certificate, or creates the development one when none was configured.
    static func loadTLS(_ files: ServerConfig.TLSFiles, dataDirectory: String, log: Logger) throws(StartupError) -> TLSContext {
        var cert = files.cert, key = files.key
        if files.generated {
            let dir = dataDirectory + "/tls"
            do {
                let result = try SelfSignedCertificate.writeIfMissing(directory: dir)
                cert = result.certPath
                key = result.keyPath
                if result.created {
                    log.notice("generated a self-signed development certificate", metadata: ["cert": "\(cert)"])
                }
            } catch {
                throw StartupError("cannot create the development TLS certificate in \(dir): \(error)")
            }
        }
        do { return try TLSContext.server(certificateChainPath: cert, privateKeyPath: key) } catch {
            throw StartupError(error.description)
        }
    }
}
