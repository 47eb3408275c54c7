import Glibc
import PushTransport

/// What one worker thread opens and how.
public struct WorkerPlan: Sendable {
    public var target: BenchURL
    public var tls: TLSContext?
    public var upgradeRequest: [UInt8]
    /// Upgrade requests for the connections with global index 0, 1, ... (other credentials).
    public var firstUpgrades: [[UInt8]]
    /// The masked SUBSCRIBE frame; nil for the handshake role (close right after WELCOME).
    public var subscribeFrame: [UInt8]?
    /// WebSocket connections this worker opens in total (`Int.max`: until told to stop).
    public var connections: Int
    /// Connections allowed between connect and WELCOME at once.
    public var concurrency: Int
    /// Source addresses (IPv4 literals) to spread connections over; empty: the kernel's choice.
    public var sources: [String]
    public var bufferBytes: Int
}

/// What a worker measured, handed back when its loop ends.
public struct WorkerResult: Sendable {
    public var histogram = LatencyHistogram()
    public var delivered: Int64 = 0
    public var lost: Int64 = 0
    public var reordered: Int64 = 0
    public var duplicates: Int64 = 0
    public var trackedConnections = 0

    /// The workers' figures added up (histograms merged).
    static func total(_ results: [WorkerResult]) -> WorkerResult {
        var sum = WorkerResult()
        for r in results {
            sum.histogram.merge(r.histogram)
            sum.delivered += r.delivered
            sum.lost += r.lost
            sum.reordered += r.reordered
            sum.duplicates += r.duplicates
            sum.trackedConnections += r.trackedConnections
        }
        return sum
    }

    /// `lost`, `reordered`, `duplicates`: what every delivery-checking report states.
    func addOrderFigures(to report: inout ScenarioReport) {
        report.add("lost", lost)
        report.add("reordered", reordered)
        report.add("duplicates", duplicates)
    }
}

/// One thread's event loop: its epoll, its connections (indexed by descriptor), its big read
/// buffer and its statistics. Nothing here is shared; `RunControl` is the only shared state.
final class Worker {
    let index: Int
    let threadCount: Int
    let plan: WorkerPlan
    let control: RunControl
    let loop: EpollLoop
    let buffer: UnsafeMutableRawBufferPointer
    var histogram = LatencyHistogram()
    var delivered = 0
    private var reportedDelivered = 0
    private var table: [PolledConnection?] = []
    private var subscribers: [WebSocketClient] = []
    private var opened = 0
    private var pending = 0
    private let driver: (any ScenarioDriver)?

    init(index: Int, threadCount: Int, plan: WorkerPlan, control: RunControl, driver: (any ScenarioDriver)?) throws(BenchError) {
        self.index = index
        self.threadCount = threadCount
        self.plan = plan
        self.control = control
        self.driver = driver
        loop = try EpollLoop()
        buffer = .allocate(byteCount: plan.bufferBytes, alignment: 64)
    }

    deinit { buffer.deallocate() }

    /// Runs until `control.stop`, then closes everything and returns the figures.
    func run() -> WorkerResult {
        driver?.start(self)
        while !control.stop.load(ordering: .relaxed) {
            openConnections()
            let timeout = driver?.tick(self) ?? 10
            if control.stop.load(ordering: .relaxed) { break }
            loop.wait(timeoutMilliseconds: timeout) { fd, events in
                let i = Int(fd)
                if i < table.count, let connection = table[i] { connection.handle(events) }
            }
            publishCounters()
        }
        publishCounters()
        return finish()
    }

    /// Adds this worker's new deliveries to the shared total.
    func publishCounters() {
        if delivered != reportedDelivered {
            control.delivered.add(delivered - reportedDelivered, ordering: .relaxed)
            reportedDelivered = delivered
        }
    }

    private func finish() -> WorkerResult {
        let published = Int64(control.published.load(ordering: .relaxed))
        var result = WorkerResult()
        result.histogram = histogram
        result.delivered = Int64(delivered)
        result.trackedConnections = subscribers.count
        for client in subscribers {
            result.lost += client.tracker.lost(published: published)
            result.reordered += client.tracker.reordered
            result.duplicates += client.tracker.duplicates
        }
        for case let connection? in table { connection.close(reason: nil) }
        return result
    }

    // MARK: - Connections

    private func openConnections() {
        while pending < plan.concurrency && opened < plan.connections && control.opening.load(ordering: .relaxed) {
            let globalIndex = opened &* threadCount &+ index
            let source = plan.sources.isEmpty ? nil : plan.sources[globalIndex % plan.sources.count]
            let upgrade = globalIndex < plan.firstUpgrades.count ? plan.firstUpgrades[globalIndex] : plan.upgradeRequest
            opened += 1
            switch ClientSocket.connect(to: plan.target.address, from: source) {
            case .success(let fd):
                let client = WebSocketClient(fd: fd, worker: self, tls: plan.tls, upgrade: upgrade)
                if client.register() {
                    pending += 1
                } else {
                    ClientSocket.abort(fd)
                    noteFailure("epoll_ctl failed for a new connection")
                }
            case .failure(let error):
                noteFailure(error.description)
                // Out of ports or descriptors: try again next turn rather than spin.
                if plan.connections == .max { return }
            }
        }
    }

    private func noteFailure(_ text: String) {
        control.failed.add(1, ordering: .relaxed)
        control.noteError(text)
    }

    /// Opens an HTTP client to `url` on this worker (publishers, webhook posters).
    func openHTTPClient(_ url: BenchURL, tls: TLSContext?, delegate: any HTTPClientDelegate) throws(BenchError) -> HTTPKeepAliveClient {
        let fd = try ClientSocket.connect(to: url.address, from: nil).get()
        let client = HTTPKeepAliveClient(fd: fd, worker: self, tls: url.isTLS ? tls : nil)
        client.delegate = delegate
        guard client.register() else {
            ClientSocket.abort(fd)
            throw BenchError("epoll_ctl failed for the HTTP client")
        }
        return client
    }

    func attach(_ connection: PolledConnection) {
        let i = Int(connection.fd)
        if i >= table.count { table.append(contentsOf: repeatElement(nil, count: max(i + 1 - table.count, table.count))) }
        table[i] = connection
    }

    func detach(_ connection: PolledConnection) {
        let i = Int(connection.fd)
        if i < table.count, table[i] === connection { table[i] = nil }
    }

    func connectionBecameReady(_ client: WebSocketClient) {
        pending -= 1
        if plan.subscribeFrame != nil {
            subscribers.append(client)
            control.ready.add(1, ordering: .relaxed)
        } else {
            control.handshakes.add(1, ordering: .relaxed)
        }
    }

    func connectionClosed(_ client: WebSocketClient, reason: String?, wasReady: Bool) {
        if !wasReady { pending -= 1 }
        // Closes at the end of a run are ours, not failures.
        if control.stop.load(ordering: .relaxed) { return }
        if !wasReady {
            noteFailure(reason ?? "closed before WELCOME")
        } else if let reason {
            control.dropped.add(1, ordering: .relaxed)
            control.noteError(reason)
        }
    }
}
