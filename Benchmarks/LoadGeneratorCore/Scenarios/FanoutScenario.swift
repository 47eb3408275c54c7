import PushTransport

/// `fanout` and `latency`: N subscribers on one topic, events published over HTTP, every
/// delivery checked for order and timed from the publisher's stamp.
public struct FanoutOptions: Sendable {
    public var subscribers: Int
    /// Size of the published JSON object (the EVENT's payload).
    public var payloadBytes: Int
    /// Stop after this many events...
    public var events: Int?
    /// ...or after publishing for this long.
    public var seconds: Double?
    /// Fixed publish rate (events/s); nil publishes as fast as `window` allows.
    public var rate: Double?
    /// At most this many events per subscriber published but not yet received: full speed
    /// without unbounded queues in the server (which would close us as slow consumers).
    public var window: Int
    /// Keep-alive publish connections and requests in flight on each.
    public var publishers: Int
    public var pipelineDepth: Int
    /// Connections between connect and WELCOME at once while subscribing.
    public var connectConcurrency: Int
    /// How long to wait for missing deliveries after the last publish was answered.
    public var drainSeconds: Double
    /// Scenario name in the report (`fanout` or `latency`).
    public var name: String
    /// Publish through a ZeroMQ PUSH socket connected here (the server's `espo.zeroMQ`) instead
    /// of `POST /internal/publish`: one sender, no answers (the window alone paces it).
    public var zeroMQ: String?
    /// Restricts event `seq` to one user's sessions (`"userId"` in the body): lets tests make
    /// the server withhold one event from chosen subscribers.
    public var targetUser: (@Sendable (Int64) -> String?)?

    public init(subscribers: Int, payloadBytes: Int = 64, events: Int? = nil, seconds: Double? = nil, rate: Double? = nil,
                window: Int = 64, publishers: Int = 4, pipelineDepth: Int = 8, connectConcurrency: Int = 256,
                drainSeconds: Double = 3, name: String = "fanout", targetUser: (@Sendable (Int64) -> String?)? = nil,
                zeroMQ: String? = nil) {
        self.subscribers = subscribers
        self.payloadBytes = payloadBytes
        self.events = events
        self.seconds = seconds
        self.rate = rate
        self.window = max(1, window)
        self.publishers = zeroMQ == nil ? max(1, publishers) : 1
        self.zeroMQ = zeroMQ
        self.pipelineDepth = max(1, pipelineDepth)
        self.connectConcurrency = max(1, connectConcurrency)
        self.drainSeconds = drainSeconds
        self.name = name
        self.targetUser = targetUser
    }
}

public enum FanoutScenario {
    public static func run(_ target: BenchTarget, _ options: FanoutOptions) throws(BenchError) -> ScenarioReport {
        guard options.subscribers > 0 else { throw BenchError("--subscribers must be at least 1") }
        guard options.events != nil || options.seconds != nil else { throw BenchError("give --events or --seconds") }
        let tls = try target.tlsContext()
        let control = RunControl(sequenceStreams: options.publishers)
        let driver = FanoutDriver(target: target, options: options, control: control, tls: tls)
        let plans = target.plans(connections: options.subscribers, concurrency: options.connectConcurrency, subscribe: true, tls: tls)
        let results = try Runner.run(plans: plans, control: control, driver: driver)
        return driver.report(results)
    }
}

/// Runs on worker 0: subscribe, confirm with probes, publish, drain, measure.
final class FanoutDriver: ScenarioDriver, HTTPClientDelegate {
    private enum State { case connecting, probing, measuring, draining, finished }

    private let target: BenchTarget
    private let options: FanoutOptions
    private let control: RunControl
    private let tls: TLSContext?
    private let request: PublishRequest
    private var publishers: [HTTPKeepAliveClient] = []
    private var pusher: ZeroMQPusher?
    private var state = State.connecting
    private var phaseDeadline: Int64 = 0
    private var failure: String?

    private var subscribers = 0
    private var nextProbe: Int64 = 0
    private var published: Int64 = 0
    private var answered: Int64 = 0
    private var publishErrors = 0
    private var serverDelivered: Int64 = 0
    private var measureStart: Int64 = 0
    private var publishUntil: Int64 = .max
    private var nextSlot: Int64 = 0
    private var lastDelivered = 0
    private var lastProgress: Int64 = 0
    private var finishTime: Int64 = 0
    private var serverCPU: (Double?, Double?) = (nil, nil)
    private var ownCPU: (Double?, Double?) = (nil, nil)

    init(target: BenchTarget, options: FanoutOptions, control: RunControl, tls: TLSContext?) {
        self.target = target
        self.options = options
        self.control = control
        self.tls = tls
        self.request = PublishRequest(url: target.publishURL.with(path: "/internal/publish"), topic: target.topic,
                                      payloadBytes: options.payloadBytes, secret: target.publishSecret)
    }

    func start(_ worker: Worker) {
        phaseDeadline = MonotonicClock.nanoseconds() + Int64(max(30, options.subscribers / 200)) * 1_000_000_000
    }

    func tick(_ worker: Worker) -> Int32 {
        let now = MonotonicClock.nanoseconds()
        switch state {
        case .connecting:
            let settled = control.ready.load(ordering: .relaxed) + control.failed.load(ordering: .relaxed)
            if settled >= options.subscribers {
                guard control.ready.load(ordering: .relaxed) > 0 else {
                    fail("no subscriber connected: \(control.firstError ?? "unknown error")")
                    return 0
                }
                // Publishers connect only now: a server may close a keep-alive connection left
                // idle while thousands of subscribers (TLS ones slowly) were being opened.
                do {
                    if let dsn = options.zeroMQ {
                        pusher = try ZeroMQPusher(dsn: dsn)
                    } else {
                        for _ in 0..<options.publishers {
                            publishers.append(try worker.openHTTPClient(target.publishURL, tls: tls, delegate: self))
                        }
                    }
                } catch {
                    fail(error.description)
                    return 0
                }
                state = .probing
                phaseDeadline = now + 15_000_000_000
            } else if now > phaseDeadline {
                fail("subscribing timed out: \(control.ready.load(ordering: .relaxed)) of \(options.subscribers) ready")
            }
            return 5
        case .probing:
            let live = control.ready.load(ordering: .relaxed) - control.dropped.load(ordering: .relaxed)
            // The probe's own response must be in too, so it is not counted as a publish.
            if control.probed.load(ordering: .relaxed) >= live && publishers.allSatisfy({ $0.inFlight == 0 }) {
                beginMeasuring(now)
                return 0
            }
            if now > phaseDeadline {
                fail("subscriptions not confirmed: \(control.probed.load(ordering: .relaxed)) of \(live) got the probe event")
            } else if now >= nextProbe, let pusher {
                _ = pusher.send(request.probeBody())
                nextProbe = now + 100_000_000
            } else if now >= nextProbe, publishers.allSatisfy({ $0.inFlight == 0 }), let publisher = idlePublisher() {
                // One probe at a time: a server slow to answer one must not keep a second one
                // in flight on another connection forever.
                publisher.sendRequest(request.request(body: request.probeBody()), now: now)
                nextProbe = now + 100_000_000
            }
            return 5
        case .measuring:
            return publish(now)
        case .draining:
            let delivered = control.delivered.load(ordering: .relaxed)
            if delivered != lastDelivered { lastDelivered = delivered; lastProgress = now }
            if Int64(delivered) >= published * Int64(subscribers) || now - lastProgress > Int64(options.drainSeconds * 1e9) {
                finish(at: lastProgress)
            }
            return 2
        case .finished:
            return 0
        }
    }

    private func beginMeasuring(_ now: Int64) {
        state = .measuring
        subscribers = control.ready.load(ordering: .relaxed) - control.dropped.load(ordering: .relaxed)
        lastDelivered = control.delivered.load(ordering: .relaxed)
        serverCPU.0 = target.serverCPU()
        ownCPU.0 = ProcessStats.cpuSeconds(pid: ProcessStats.currentPID)
        measureStart = MonotonicClock.nanoseconds()
        nextSlot = measureStart
        if let seconds = options.seconds { publishUntil = measureStart + Int64(seconds * 1e9) }
    }

    /// Publishes what the rate, the window and the pipelines allow; returns the wait timeout.
    private func publish(_ now: Int64) -> Int32 {
        let delivered = Int64(control.delivered.load(ordering: .relaxed))
        while true {
            if let events = options.events, published >= events { break }
            if now >= publishUntil { break }
            if let rate = options.rate {
                if now < nextSlot { return Int32(clamping: max(0, (nextSlot - now) / 1_000_000)) }
                nextSlot += Int64(1e9 / rate)
            } else if published * Int64(subscribers) - delivered >= Int64(options.window) * Int64(subscribers) {
                return 1
            }
            if let pusher {
                var body = request.body(seq: published, ts: MonotonicClock.nanoseconds())
                if let user = options.targetUser?(published) { body = Self.restrict(body, to: user) }
                guard pusher.send(body) else { return 1 }
                published += 1
                answered += 1 // nothing answers a ZeroMQ message: the window paces the sender
                continue
            }
            // Round-robin, so that seq % publishers names the connection (the order stream).
            let publisher = publishers[Int(published % Int64(publishers.count))]
            guard publisher.isUsable && publisher.inFlight < options.pipelineDepth else { return 1 }
            let seq = published
            var body = request.body(seq: seq, ts: MonotonicClock.nanoseconds())
            if let user = options.targetUser?(seq) { body = Self.restrict(body, to: user) }
            publisher.sendRequest(request.request(body: body), now: now)
            published += 1
        }
        if answered >= published {
            state = .draining
            lastProgress = now
        }
        return 1
    }

    /// The same event with `"userId":"<user>"` after the topic.
    static func restrict(_ body: [UInt8], to user: String) -> [UInt8] {
        let marker = Array("\",\"seq\":".utf8)
        guard let at = body.firstRange(of: marker)?.lowerBound else { return body }
        var out = Array(body[...at])
        out += Array(",\"userId\":\(PublishRequest.quoted(user))".utf8)
        out += body[(at + 1)...]
        return out
    }

    private func idlePublisher() -> HTTPKeepAliveClient? {
        publishers.first { $0.isUsable && $0.inFlight == 0 }
    }

    private func finish(at time: Int64) {
        guard state != .finished else { return }
        finishTime = max(time, measureStart + 1)
        serverCPU.1 = target.serverCPU()
        ownCPU.1 = ProcessStats.cpuSeconds(pid: ProcessStats.currentPID)
        state = .finished
        pusher?.close()
        pusher = nil
        control.published.store(Int(published), ordering: .relaxed)
        control.stop.store(true, ordering: .relaxed)
    }

    private func fail(_ reason: String) {
        if failure == nil { failure = reason }
        state = .finished
        pusher?.close()
        pusher = nil
        control.published.store(Int(published), ordering: .relaxed)
        control.stop.store(true, ordering: .relaxed)
    }

    // MARK: - HTTPClientDelegate

    func clientReady(_ client: HTTPKeepAliveClient) {}

    func client(_ client: HTTPKeepAliveClient, received response: HTTPResponseReader.Response, sentAt: Int64) {
        if state == .measuring || state == .draining {
            answered += 1
            if response.status != 200 {
                publishErrors += 1
                control.noteError("publish answered \(response.status): \(String(decoding: response.body.prefix(200), as: UTF8.self))")
            } else if let n = Self.deliveredCount(response.body) {
                serverDelivered += n
            }
        } else if response.status != 200 {
            fail("probe publish answered \(response.status): \(String(decoding: response.body.prefix(200), as: UTF8.self))")
        }
    }

    func clientClosed(_ client: HTTPKeepAliveClient, reason: String?) {
        if state != .finished { fail("publish connection closed: \(reason ?? "closed")") }
    }

    /// `"delivered":n` of a publish response, without a JSON parse.
    static func deliveredCount(_ body: [UInt8]) -> Int64? {
        let key = Array("\"delivered\":".utf8)
        guard let range = body.firstRange(of: key) else { return nil }
        return body.withUnsafeBytes { raw in
            EventFieldScanner.integer(raw.baseAddress!.assumingMemoryBound(to: UInt8.self), from: range.upperBound, count: raw.count).0
        }
    }

    // MARK: - Report

    func report(_ results: [WorkerResult]) -> ScenarioReport {
        let totals = WorkerResult.total(results)
        let histogram = totals.histogram, lost = totals.lost, delivered = totals.delivered
        var report = ScenarioReport(scenario: options.name)
        report.add("transport", target.url.isTLS ? "wss" : "ws")
        report.add("publish_via", options.zeroMQ == nil ? "http" : "zeromq")
        report.add("subscribers", subscribers)
        report.add("payload_bytes", options.payloadBytes)
        if let rate = options.rate { report.add("rate_per_s", rate, digits: 1) }
        report.add("events", published)
        report.add("deliveries", delivered)
        report.add("expected_deliveries", published * Int64(subscribers))
        report.add("server_reported_deliveries", serverDelivered)
        totals.addOrderFigures(to: &report)
        report.add("failed_connections", control.failed.load(ordering: .relaxed))
        report.add("dropped_connections", control.dropped.load(ordering: .relaxed))
        report.add("publish_errors", publishErrors)
        let seconds = finishTime > measureStart ? Double(finishTime - measureStart) / 1e9 : 0
        report.add("seconds", seconds, digits: 3)
        report.add("deliveries_per_s", seconds > 0 ? Double(delivered) / seconds : 0, digits: 0)
        report.add("latency_p50_ms", Double(histogram.value(atQuantile: 0.5)) / 1e6, digits: 3)
        report.add("latency_p99_ms", Double(histogram.value(atQuantile: 0.99)) / 1e6, digits: 3)
        report.add("latency_p999_ms", Double(histogram.value(atQuantile: 0.999)) / 1e6, digits: 3)
        report.add("latency_max_ms", Double(histogram.max) / 1e6, digits: 3)
        if let a = serverCPU.0, let b = serverCPU.1 {
            report.add("server_cpu_s", b - a, digits: 2)
            report.add("deliveries_per_server_cpu_s", b > a ? Double(delivered) / (b - a) : 0, digits: 0)
        }
        if let a = ownCPU.0, let b = ownCPU.1 {
            report.add("loadgen_cpu_s", b - a, digits: 2)
            report.add("deliveries_per_loadgen_cpu_s", b > a ? Double(delivered) / (b - a) : 0, digits: 0)
        }
        if let failure { report.add("error", failure) } else if let note = control.firstError, lost > 0 || publishErrors > 0 {
            report.add("note", note)
        }
        return report
    }
}
