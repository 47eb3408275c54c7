import PushTransport

/// `webhook`: wwebjs-style message webhooks on C keep-alive connections, one request in flight
/// each; every 200 is a committed message. Skipped while the endpoint answers 404.
public struct WebhookOptions: Sendable {
    public var seconds: Double
    public var concurrency: Int
    public var extraHeaders: [String]

    public init(seconds: Double, concurrency: Int = 16, extraHeaders: [String] = []) {
        self.seconds = seconds
        self.concurrency = max(1, concurrency)
        self.extraHeaders = extraHeaders
    }
}

public enum WebhookScenario {
    public static func run(_ target: BenchTarget, _ options: WebhookOptions) throws(BenchError) -> ScenarioReport {
        let tls = try target.tlsContext()
        let control = RunControl()
        let driver = WebhookDriver(target: target, options: options, control: control, tls: tls)
        let plans = target.plans(connections: 0, concurrency: 1, subscribe: false, tls: tls)
        _ = try Runner.run(plans: plans, control: control, driver: driver)
        return driver.report()
    }
}

final class WebhookDriver: ScenarioDriver, HTTPClientDelegate {
    private enum State { case probing, running, finished }

    private let target: BenchTarget
    private let options: WebhookOptions
    private let control: RunControl
    private let tls: TLSContext?
    private let request: WebhookRequest
    private let runID: String
    private var state = State.probing
    private var clients: [HTTPKeepAliveClient] = []
    private var worker: Worker?
    private var sequence = 0
    private var ok = 0
    private var otherStatuses: [Int: Int] = [:]
    private var skipped = false
    private var failure: String?
    private var histogram = LatencyHistogram()
    private var started: Int64 = 0
    private var ended: Int64 = 0
    private var deadline: Int64 = 0
    private var serverCPU: (Double?, Double?) = (nil, nil)

    init(target: BenchTarget, options: WebhookOptions, control: RunControl, tls: TLSContext?) {
        self.target = target
        self.options = options
        self.control = control
        self.tls = tls
        self.request = WebhookRequest(url: target.publishURL, secret: target.publishSecret, extraHeaders: options.extraHeaders)
        self.runID = "\(ProcessStats.currentPID)_\(MonotonicClock.nanoseconds())"
    }

    func start(_ worker: Worker) {
        self.worker = worker
        deadline = MonotonicClock.nanoseconds() + 10_000_000_000
        do { clients.append(try worker.openHTTPClient(target.publishURL, tls: tls, delegate: self)) } catch { fail(error.description) }
    }

    func tick(_ worker: Worker) -> Int32 {
        let now = MonotonicClock.nanoseconds()
        switch state {
        case .probing:
            if now > deadline { fail("the webhook endpoint did not answer within 10 s") }
            return 10
        case .running:
            if now >= deadline { finish(now) }
            return Int32(clamping: max(1, min(10, (deadline - now) / 1_000_000)))
        case .finished:
            return 0
        }
    }

    private func nextRequest() -> [UInt8] {
        sequence += 1
        return request.request(unique: "\(runID)_\(sequence)")
    }

    private func beginRunning() {
        guard let worker else { return }
        state = .running
        serverCPU.0 = target.serverCPU()
        started = MonotonicClock.nanoseconds()
        deadline = started + Int64(options.seconds * 1e9)
        for client in clients where client.isUsable { client.sendRequest(nextRequest(), now: started) }
        do {
            for _ in clients.count..<options.concurrency {
                clients.append(try worker.openHTTPClient(target.publishURL, tls: tls, delegate: self))
            }
        } catch { fail(error.description) }
    }

    private func finish(_ now: Int64) {
        ended = now
        serverCPU.1 = target.serverCPU()
        state = .finished
        control.stop.store(true, ordering: .relaxed)
    }

    private func fail(_ reason: String) {
        if failure == nil { failure = reason }
        state = .finished
        control.stop.store(true, ordering: .relaxed)
    }

    func clientReady(_ client: HTTPKeepAliveClient) {
        switch state {
        case .probing where clients.count == 1: client.sendRequest(nextRequest(), now: MonotonicClock.nanoseconds())
        case .running: client.sendRequest(nextRequest(), now: MonotonicClock.nanoseconds())
        default: break
        }
    }

    func client(_ client: HTTPKeepAliveClient, received response: HTTPResponseReader.Response, sentAt: Int64) {
        let now = MonotonicClock.nanoseconds()
        switch state {
        case .probing:
            if response.status == 404 {
                skipped = true
                finish(now)
            } else if response.status == 200 {
                beginRunning()
            } else {
                fail("webhook answered \(response.status): \(String(decoding: response.body.prefix(200), as: UTF8.self))")
            }
        case .running:
            histogram.record(now - sentAt)
            if response.status == 200 { ok += 1 } else { otherStatuses[response.status, default: 0] += 1 }
            if now < deadline { client.sendRequest(nextRequest(), now: now) }
        case .finished:
            break
        }
    }

    func clientClosed(_ client: HTTPKeepAliveClient, reason: String?) {
        if state != .finished { fail("webhook connection closed: \(reason ?? "closed")") }
    }

    func report() -> ScenarioReport {
        var report = ScenarioReport(scenario: "webhook")
        if skipped {
            report.add("skipped", "endpoint not available")
            return report
        }
        report.add("concurrency", options.concurrency)
        report.add("ok", ok)
        report.add("other_status", otherStatuses.values.reduce(0, +))
        let seconds = ended > started ? Double(ended - started) / 1e9 : 0
        report.add("seconds", seconds, digits: 3)
        report.add("ok_per_s", seconds > 0 ? Double(ok) / seconds : 0, digits: 0)
        report.add("latency_p50_ms", Double(histogram.value(atQuantile: 0.5)) / 1e6, digits: 3)
        report.add("latency_p99_ms", Double(histogram.value(atQuantile: 0.99)) / 1e6, digits: 3)
        if let a = serverCPU.0, let b = serverCPU.1 {
            report.add("server_cpu_s", b - a, digits: 2)
            report.add("ok_per_server_cpu_s", b > a ? Double(ok) / (b - a) : 0, digits: 0)
        }
        if let status = otherStatuses.keys.sorted().first { report.add("note", "first non-200 status: \(status)") }
        if let failure { report.add("error", failure) }
        return report
    }
}
