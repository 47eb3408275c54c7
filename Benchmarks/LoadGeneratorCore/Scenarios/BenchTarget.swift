import COpenSSL
import PushCodec
import PushTransport

/// Where and as whom every scenario connects; shared by all of them.
public struct BenchTarget: Sendable {
    /// The WebSocket endpoint (`ws://` or `wss://`, path `/wss` when none is given).
    public var url: BenchURL
    /// The HTTP endpoint for `/internal/publish` and the webhook.
    public var publishURL: BenchURL
    public var token: String
    public var user: String
    /// Credentials for the first connections opened, instead of `token`/`user` (tests give one
    /// subscriber another user, so a user-targeted publish skips exactly that subscriber).
    public var firstCredentials: [Credential] = []
    public var topic: String
    /// `Authorization: Bearer <secret>` on publishes and webhooks, when set.
    public var publishSecret: String?
    /// The server process whose CPU time and RSS are read from /proc.
    public var serverPID: Int32?
    /// A second node of a cluster: every other worker connects its subscribers there
    /// (`--also-url`), and its CPU time counts with the first one's (`--also-server-pid`).
    public var alsoURL: BenchURL?
    public var alsoServerPID: Int32?
    /// Worker threads (each its own epoll loop).
    public var threads: Int
    /// Loopback source addresses 127.0.0.1 ... 127.0.0.K to spread connections over.
    public var sources: Int
    /// Read buffer per worker thread.
    public var bufferBytes: Int

    public init(url: BenchURL, publishURL: BenchURL, token: String, user: String, topic: String = "newNotification",
                publishSecret: String? = nil, serverPID: Int32? = nil, threads: Int = 1, sources: Int = 1,
                bufferBytes: Int = 256 * 1024) {
        self.url = url.path == "/" ? url.with(path: "/wss") : url
        self.publishURL = publishURL
        self.token = token
        self.user = user
        self.topic = topic
        self.publishSecret = publishSecret
        self.serverPID = serverPID
        self.threads = max(1, threads)
        self.sources = max(1, sources)
        self.bufferBytes = max(64 * 1024, bufferBytes)
    }

    /// A TLS client context that accepts any certificate (the server under test is ours).
    func tlsContext() throws(BenchError) -> TLSContext? {
        guard url.isTLS || publishURL.isTLS else { return nil }
        let context: TLSContext
        do { context = try TLSContext.client(verifyPeer: false) } catch { throw BenchError(error.description) }
        // An empty trust store: OpenSSL still walks the chain when not verifying, and with the
        // system store it opens hashed certificate files on every handshake, which would make
        // the client's cost, not the server's, the handshake figure.
        if let empty = X509_STORE_new() { SSL_CTX_set_cert_store(context.ctx, empty) }
        return context
    }

    /// Source addresses to bind, when the target is IPv4 loopback and more than one is asked.
    var sourceAddresses: [String] {
        guard sources > 1, url.address.family == .ipv4, url.address.isLoopback else { return [] }
        return (1...min(sources, 254)).map { "127.0.0.\($0)" }
    }

    /// A token and the user it belongs to.
    public struct Credential: Sendable {
        public var token: String
        public var user: String
        public init(token: String, user: String) { self.token = token; self.user = user }
    }

    /// One plan per worker, `connections` spread evenly.
    func plans(connections: Int, concurrency: Int, subscribe: Bool, tls: TLSContext?) -> [WorkerPlan] {
        let upgrade = UpgradeRequest.bytes(path: url.path, host: url.hostHeader, token: token, user: user)
        let firstUpgrades = firstCredentials.map { UpgradeRequest.bytes(path: url.path, host: url.hostHeader, token: $0.token, user: $0.user) }
        let subscribeFrame: [UInt8]? = subscribe ? subscribeBytes() : nil
        return (0..<threads).map { i in
            let url = i % 2 == 1 ? alsoURL.map { $0.path == "/" ? $0.with(path: "/wss") : $0 } ?? self.url : self.url
            let upgrade = url == self.url ? upgrade : UpgradeRequest.bytes(path: url.path, host: url.hostHeader, token: token, user: user)
            return WorkerPlan(target: url, tls: url.isTLS ? tls : nil, upgradeRequest: upgrade, firstUpgrades: firstUpgrades, subscribeFrame: subscribeFrame,
                       connections: Runner.share(connections, threads: threads, index: i),
                       concurrency: max(1, Runner.share(concurrency, threads: threads, index: i)),
                       sources: sourceAddresses, bufferBytes: bufferBytes)
        }
    }

    /// `[5,"<topic>"]` in a masked text frame.
    func subscribeBytes() -> [UInt8] {
        let text = Array("[5,\(PublishRequest.quoted(topic))]".utf8)
        return text.withUnsafeBytes { FrameEncoder.clientFrame(.text, payload: $0, maskKey: 0x3779_1A2B) }
    }

    func serverCPU() -> Double? {
        guard let first = serverPID.flatMap({ ProcessStats.cpuSeconds(pid: $0) }) else { return nil }
        return first + (alsoServerPID.flatMap { ProcessStats.cpuSeconds(pid: $0) } ?? 0)
    }
    func serverRSS() -> Int? { serverPID.flatMap { ProcessStats.residentBytes(pid: $0) } }
}
