import PushTransport

/// `soak`: slow readers next to healthy subscribers. H HTTP peers pipeline requests and never
/// read, W WebSocket peers subscribe and never read, S healthy subscribers receive E sequenced
/// events at a steady rate; the server's RSS and descriptors are sampled every second.
public struct SoakOptions: Sendable {
    public var httpPeers = 1000
    public var webSocketPeers = 1000
    public var subscribers = 5000
    public var events = 2000
    /// Events published per second.
    public var rate = 50.0
    /// 1 KiB: 2,000 events then queue 2 MiB for each stalled WebSocket peer, past the server's
    /// 1 MiB send buffer, so the slow-consumer close is part of the run.
    public var payloadBytes = 1024
    /// SO_RCVBUF of the stalled peers: the kernel then holds little of what the server sends them.
    public var slowReceiveBufferBytes = 4096
    /// From the moment the stalled peers are open, how long to watch at most (the server's
    /// deadlines for them run in this time); the run ends sooner once the server holds none.
    public var holdSeconds = 150.0
    /// How long to wait for missing healthy deliveries once the last publish was answered.
    public var drainSeconds = 5.0
    public var connectConcurrency = 256

    /// The full-size soak; set fields to change it.
    public init() {}
}

public enum SoakScenario {
    public static func run(_ target: BenchTarget, _ options: SoakOptions) throws(BenchError) -> ScenarioReport {
        guard options.subscribers > 0, options.events > 0, options.rate > 0, options.httpPeers >= 0, options.webSocketPeers >= 0 else {
            throw BenchError("--subscribers, --events and --rate must be positive, the peer counts not negative")
        }
        guard !target.url.isTLS && !target.publishURL.isTLS else { throw BenchError("soak runs on plain ws:// and http:// only") }
        let needed = options.subscribers + options.httpPeers + options.webSocketPeers + 64
        let limit = FileLimits.raiseOpenFileLimit()
        if limit < needed { throw BenchError("open-file limit \(limit) is too low for \(needed) descriptors (ulimit -n)") }
        let control = RunControl()
        let driver = SoakDriver(target: target, options: options, control: control)
        let plans = target.plans(connections: options.subscribers, concurrency: max(1, options.connectConcurrency), subscribe: true, tls: nil)
        let results = try Runner.run(plans: plans, control: control, driver: driver)
        return driver.report(results)
    }
}

/// Runs on worker 0: healthy subscribers first, then the stalled peers, then the publishes.
/// All its state is confined to worker 0's thread.
final class SoakDriver: ScenarioDriver, HTTPClientDelegate, StalledPeerObserver {
    private enum State { case subscribing, openingStalled, probing, publishing, holding, readingMetrics, finished }

    private let target: BenchTarget
    private let options: SoakOptions
    private let control: RunControl
    private let request: PublishRequest
    private var state = State.subscribing
    private var failure: String?
    private var notes: [String] = []
    private var deadline: Int64 = 0

    private var publisher: HTTPKeepAliveClient?
    private var metricsClient: HTTPKeepAliveClient?
    private var metricsText = ""
    private var stalled: [StalledPeer] = []
    private var httpOpened = 0, wsOpened = 0
    private var stalledOpenedAt: Int64 = 0
    private var closes = SlowPeerCloses()

    /// Healthy subscribers live when publishing began, and stalled WebSocket peers the probe reached.
    private var healthy = 0, webSocketPeersSubscribed = 0
    /// Events sent, answered, answered with another status than 200; when the next is due.
    private var published: Int64 = 0, answered: Int64 = 0, publishErrors = 0, nextSlot: Int64 = 0
    private var nextProbe: Int64 = 0
    private var publishStart: Int64 = 0, publishEnd: Int64 = 0
    /// Healthy deliveries seen last, when they last moved, when they were all in (or stopped).
    private var lastDelivered = 0, lastProgress: Int64 = 0, healthyDoneAt: Int64?

    private var memory = ServerSamples()
    private var started: Int64 = 0

    init(target: BenchTarget, options: SoakOptions, control: RunControl) {
        self.target = target
        self.options = options
        self.control = control
        request = PublishRequest(url: target.publishURL.with(path: "/internal/publish"), topic: target.topic,
                                 payloadBytes: options.payloadBytes, secret: target.publishSecret)
    }

    func start(_ worker: Worker) {
        started = MonotonicClock.nanoseconds()
        memory.sample(target, now: started, phase: .start)
        deadline = started + Int64(max(30, options.subscribers / 200)) * 1_000_000_000
    }

    func tick(_ worker: Worker) -> Int32 {
        let now = MonotonicClock.nanoseconds()
        memory.sampleEverySecond(target, now: now)
        switch state {
        case .subscribing:
            guard control.ready.load(ordering: .relaxed) + control.failed.load(ordering: .relaxed) >= options.subscribers else {
                if now > deadline { fail("subscribing timed out: \(control.ready.load(ordering: .relaxed)) of \(options.subscribers) ready") }
                return 5
            }
            guard control.ready.load(ordering: .relaxed) > 0 else { fail("no subscriber connected: \(control.firstError ?? "unknown error")"); return 0 }
            memory.sample(target, now: now, phase: .baseline)
            stalledOpenedAt = now
            state = .openingStalled
            return 0
        case .openingStalled:
            openStalledPeers(worker)
            return 1
        case .probing:
            probe(worker, now)
            return 5
        case .publishing:
            topUpStalledPeers()
            return publish(now)
        case .holding:
            topUpStalledPeers()
            noteHealthyProgress(now)
            let heldLongEnough = now - stalledOpenedAt >= Int64(options.holdSeconds * 1e9)
            if healthyDoneAt != nil && (heldLongEnough || closes.total >= stalled.count || memory.holdsNoMoreThanBaseline(extra: 1)) {
                readMetrics(worker, now)
            }
            return 20
        case .readingMetrics:
            if now > deadline { notes.append("no /metrics answer"); finish() }
            return 10
        case .finished:
            return 0
        }
    }

    // MARK: - Stalled peers

    /// Opens a batch per turn (the listen backlog is finite), HTTP and WebSocket interleaved.
    private func openStalledPeers(_ worker: Worker) {
        let upgrade = UpgradeRequest.bytes(path: target.url.path, host: target.url.hostHeader, token: target.token, user: target.user)
        let wsOpening = upgrade + target.subscribeBytes()
        let requests = Self.pipelinedRequests(host: target.publishURL.hostHeader)
        for _ in 0..<64 {
            let wantHTTP = httpOpened < options.httpPeers && (httpOpened <= wsOpened || wsOpened >= options.webSocketPeers)
            guard wantHTTP || wsOpened < options.webSocketPeers else { break }
            do {
                let peer = try wantHTTP
                    ? worker.openStalledPeer(target.publishURL, kind: .http, opening: requests, refill: requests,
                                             receiveBuffer: Int32(options.slowReceiveBufferBytes), observer: self)
                    : worker.openStalledPeer(target.url, kind: .webSocket, opening: wsOpening, refill: nil,
                                             receiveBuffer: Int32(options.slowReceiveBufferBytes), observer: self)
                stalled.append(peer)
            } catch {
                notes.append("stalled peer: \(error.description)")
            }
            if wantHTTP { httpOpened += 1 } else { wsOpened += 1 }
        }
        if httpOpened >= options.httpPeers && wsOpened >= options.webSocketPeers {
            do { publisher = try worker.openHTTPClient(target.publishURL, tls: nil, delegate: self) } catch { fail(error.description); return }
            state = .probing
            deadline = MonotonicClock.nanoseconds() + 20_000_000_000
        }
    }

    /// 15 `GET /healthz` and one `GET /nope` (a 404), pipelined.
    static func pipelinedRequests(host: String) -> [UInt8] {
        var text = ""
        for i in 0..<16 { text += "GET \(i == 15 ? "/nope" : "/healthz") HTTP/1.1\r\nHost: \(host)\r\n\r\n" }
        return Array(text.utf8)
    }

    private func topUpStalledPeers() {
        for peer in stalled where peer.kind == .http { _ = peer.topUp() }
    }

    func peerClosed(_ peer: StalledPeer, reason: String?) {
        guard state != .finished else { return }
        closes.record(peer.kind, seconds: Double(MonotonicClock.nanoseconds() - stalledOpenedAt) / 1e9)
    }

    // MARK: - Probe, publish, drain

    /// Probes until every healthy subscriber saw one and the server counts the stalled
    /// WebSocket peers among the topic's sessions (they cannot tell us themselves).
    private func probe(_ worker: Worker, _ now: Int64) {
        topUpStalledPeers()
        let live = control.ready.load(ordering: .relaxed) - control.dropped.load(ordering: .relaxed)
        let confirmed = control.probed.load(ordering: .relaxed) >= live && publisher?.inFlight == 0
        if confirmed && (webSocketPeersSubscribed >= options.webSocketPeers || now > deadline) {
            if webSocketPeersSubscribed < options.webSocketPeers {
                notes.append("only \(webSocketPeersSubscribed) of \(options.webSocketPeers) stalled WebSocket peers subscribed")
            }
            healthy = live
            lastDelivered = control.delivered.load(ordering: .relaxed)
            nextSlot = now
            publishStart = now
            state = .publishing
        } else if now > deadline + 10_000_000_000 {
            fail("subscriptions not confirmed: \(control.probed.load(ordering: .relaxed)) of \(live) got the probe event")
        } else if now >= nextProbe, let publisher, publisher.isUsable, publisher.inFlight == 0 {
            publisher.sendRequest(request.request(body: request.probeBody()), now: now)
            nextProbe = now + 250_000_000
        }
    }

    private func publish(_ now: Int64) -> Int32 {
        guard let publisher else { return 10 }
        while published < Int64(options.events) && now >= nextSlot {
            guard publisher.isUsable && publisher.inFlight < 8 else { return 1 }
            publisher.sendRequest(request.request(body: request.body(seq: published, ts: MonotonicClock.nanoseconds())), now: now)
            published += 1
            nextSlot += Int64(1e9 / options.rate)
        }
        if published >= Int64(options.events) && answered >= published {
            publishEnd = now
            state = .holding
            lastProgress = now
            return 1
        }
        return Int32(clamping: max(1, (nextSlot - now) / 1_000_000))
    }

    /// Marks the healthy deliveries done once all arrived or they stopped coming.
    private func noteHealthyProgress(_ now: Int64) {
        guard healthyDoneAt == nil else { return }
        let delivered = control.delivered.load(ordering: .relaxed)
        if delivered != lastDelivered { lastDelivered = delivered; lastProgress = now }
        if Int64(delivered) >= published * Int64(healthy) || now - lastProgress > Int64(options.drainSeconds * 1e9) {
            healthyDoneAt = now
        }
    }

    private func readMetrics(_ worker: Worker, _ now: Int64) {
        memory.sample(target, now: now, phase: .end)
        state = .readingMetrics
        deadline = now + 5_000_000_000
        do {
            let client = try worker.openHTTPClient(target.publishURL, tls: nil, delegate: self)
            metricsClient = client
            client.sendRequest(Array("GET /metrics HTTP/1.1\r\nHost: \(target.publishURL.hostHeader)\r\n\r\n".utf8), now: now)
        } catch {
            notes.append("metrics: \(error.description)")
            finish()
        }
    }

    private func finish() {
        guard state != .finished else { return }
        state = .finished
        control.published.store(Int(published), ordering: .relaxed)
        control.stop.store(true, ordering: .relaxed)
    }

    private func fail(_ reason: String) {
        if failure == nil { failure = reason }
        memory.sample(target, now: MonotonicClock.nanoseconds(), phase: .end)
        finish()
    }

    // MARK: - HTTPClientDelegate

    func clientReady(_ client: HTTPKeepAliveClient) {}

    func client(_ client: HTTPKeepAliveClient, received response: HTTPResponseReader.Response, sentAt: Int64) {
        if client === metricsClient {
            metricsText = String(decoding: response.body, as: UTF8.self)
            finish()
            return
        }
        if state == .probing {
            guard response.status == 200 else { return fail("probe publish answered \(response.status)") }
            let sessions = Int(FanoutDriver.deliveredCount(response.body) ?? 0)
            let live = control.ready.load(ordering: .relaxed) - control.dropped.load(ordering: .relaxed)
            webSocketPeersSubscribed = max(webSocketPeersSubscribed, sessions - live)
            return
        }
        answered += 1
        if response.status != 200 {
            publishErrors += 1
            control.noteError("publish answered \(response.status)")
        }
    }

    func clientClosed(_ client: HTTPKeepAliveClient, reason: String?) {
        if client === metricsClient { if state == .readingMetrics { notes.append("metrics: \(reason ?? "closed")"); finish() }; return }
        // Every publish was answered: the server may end the idle keep-alive connection (its
        // idle deadline) while the stalled peers are still being watched.
        if state == .holding { return }
        if state != .finished { fail("publish connection closed: \(reason ?? "closed")") }
    }

    // MARK: - Report

    func report(_ results: [WorkerResult]) -> ScenarioReport {
        let totals = WorkerResult.total(results)
        var report = ScenarioReport(scenario: "soak")
        report.add("healthy_subscribers", healthy)
        report.add("http_peers", httpOpened)
        report.add("ws_peers", wsOpened)
        report.add("ws_peers_subscribed", webSocketPeersSubscribed)
        report.add("events", published)
        report.add("payload_bytes", options.payloadBytes)
        report.add("rate_per_s", options.rate, digits: 1)
        let publishSeconds = Double(max(0, publishEnd - publishStart)) / 1e9
        report.add("publish_seconds", publishSeconds, digits: 1)
        report.add("achieved_rate_per_s", publishSeconds > 0 ? Double(published) / publishSeconds : 0, digits: 1)
        if let done = healthyDoneAt, publishStart > 0 { report.add("healthy_done_s", Double(done - stalledOpenedAt) / 1e9, digits: 1) }
        report.add("deliveries", totals.delivered)
        report.add("expected_deliveries", published * Int64(healthy))
        totals.addOrderFigures(to: &report)
        report.add("healthy_dropped", control.dropped.load(ordering: .relaxed))
        report.add("failed_connections", control.failed.load(ordering: .relaxed))
        report.add("publish_errors", publishErrors)
        memory.add(to: &report, slowPeers: httpOpened + wsOpened)
        closes.add(to: &report)
        for (key, value) in Self.metricFigures(metricsText) { report.add(key, value) }
        report.add("seconds", Double(MonotonicClock.nanoseconds() - started) / 1e9, digits: 1)
        if let failure { report.add("error", failure) }
        var all = notes
        if let first = control.firstError, totals.lost > 0 || publishErrors > 0 || control.dropped.load(ordering: .relaxed) > 0 { all.append(first) }
        if !all.isEmpty { report.add("note", all.joined(separator: "; ")) }
        return report
    }

    /// The server's own count of slow consumers closed and of deadlines passed, by phase.
    static func metricFigures(_ text: String) -> [(String, Int64)] {
        var out: [(String, Int64)] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let name = line[..<space]
            if name == "wamp_push_slow_consumers_total" {
                out.append(("server_slow_consumers_closed", Int64(value)))
            } else if name.hasPrefix("wamp_push_connection_deadlines_total{"), let phase = name.split(separator: "\"").dropFirst().first, value > 0 {
                out.append(("server_deadlines_\(phase)", Int64(value)))
            }
        }
        return out
    }
}
