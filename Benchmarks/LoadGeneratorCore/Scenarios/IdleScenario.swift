import Glibc
import PushTransport

/// `idle`: hold N handshaken, subscribed connections and read what they cost the server.
public struct IdleOptions: Sendable {
    public var connections: Int
    public var connectConcurrency: Int
    /// Longest wait for the server's RSS to stop moving.
    public var settleSeconds: Double

    public init(connections: Int, connectConcurrency: Int = 256, settleSeconds: Double = 10) {
        self.connections = connections
        self.connectConcurrency = max(1, connectConcurrency)
        self.settleSeconds = settleSeconds
    }
}

public enum IdleScenario {
    public static func run(_ target: BenchTarget, _ options: IdleOptions) throws(BenchError) -> ScenarioReport {
        guard options.connections > 0 else { throw BenchError("--connections must be at least 1") }
        let limit = FileLimits.raiseOpenFileLimit()
        if limit < options.connections + 64 {
            throw BenchError("open-file limit \(limit) is too low for \(options.connections) connections (ulimit -n)")
        }
        let tls = try target.tlsContext()
        let control = RunControl()
        let driver = IdleDriver(target: target, options: options, control: control, tls: tls)
        let plans = target.plans(connections: options.connections, concurrency: options.connectConcurrency, subscribe: true, tls: tls)
        _ = try Runner.run(plans: plans, control: control, driver: driver)
        return driver.report()
    }
}

/// Connect everything, confirm the subscriptions with one probe, wait for RSS to settle.
final class IdleDriver: ScenarioDriver, HTTPClientDelegate {
    private enum State { case connecting, probing, settling, finished }

    private let target: BenchTarget
    private let options: IdleOptions
    private let control: RunControl
    private let tls: TLSContext?
    private let request: PublishRequest
    private var publisher: HTTPKeepAliveClient?
    private var state = State.connecting
    private var failure: String?
    private var started: Int64 = 0
    private var deadline: Int64 = 0
    private var connectSeconds = 0.0
    private var nextProbe: Int64 = 0
    private var rssBefore: Int?
    private var rssSamples: [Int] = []
    private var nextSample: Int64 = 0
    private var ownRSSBefore: Int?
    private var ownRSSAfter: Int?
    private var connected = 0

    init(target: BenchTarget, options: IdleOptions, control: RunControl, tls: TLSContext?) {
        self.target = target
        self.options = options
        self.control = control
        self.tls = tls
        request = PublishRequest(url: target.publishURL.with(path: "/internal/publish"), topic: target.topic, payloadBytes: 0,
                                 secret: target.publishSecret)
    }

    func start(_ worker: Worker) {
        rssBefore = target.serverRSS()
        ownRSSBefore = ProcessStats.residentBytes(pid: ProcessStats.currentPID)
        started = MonotonicClock.nanoseconds()
        deadline = started + Int64(max(60, options.connections / 100)) * 1_000_000_000
    }

    func tick(_ worker: Worker) -> Int32 {
        let now = MonotonicClock.nanoseconds()
        switch state {
        case .connecting:
            if control.ready.load(ordering: .relaxed) + control.failed.load(ordering: .relaxed) >= options.connections {
                connectSeconds = Double(now - started) / 1e9
                connected = control.ready.load(ordering: .relaxed)
                guard connected > 0 else { fail("no connection made: \(control.firstError ?? "unknown error")"); return 0 }
                // Connected only now, so the server's keep-alive idle timeout cannot close it first.
                do { publisher = try worker.openHTTPClient(target.publishURL, tls: tls, delegate: self) } catch {
                    fail(error.description)
                    return 0
                }
                state = .probing
                deadline = now + 30_000_000_000
            } else if now > deadline {
                fail("connecting timed out: \(control.ready.load(ordering: .relaxed)) of \(options.connections) ready")
            }
            return 10
        case .probing:
            let live = control.ready.load(ordering: .relaxed) - control.dropped.load(ordering: .relaxed)
            if control.probed.load(ordering: .relaxed) >= live {
                state = .settling
                deadline = now + Int64(options.settleSeconds * 1e9)
                nextSample = now
            } else if now > deadline {
                fail("subscriptions not confirmed: \(control.probed.load(ordering: .relaxed)) of \(live)")
            } else if now >= nextProbe, let publisher, publisher.isUsable, publisher.inFlight == 0 {
                publisher.sendRequest(request.request(body: request.probeBody()), now: now)
                nextProbe = now + 250_000_000
            }
            return 10
        case .settling:
            if now >= nextSample {
                if let rss = target.serverRSS() { rssSamples.append(rss) }
                nextSample = now + 500_000_000
                if isSettled() || now > deadline || target.serverPID == nil { finish() }
            }
            return 50
        case .finished:
            return 0
        }
    }

    /// Three samples in a row within 0.5 % of each other.
    private func isSettled() -> Bool {
        guard rssSamples.count >= 3 else { return false }
        let last = rssSamples.suffix(3)
        guard let lo = last.min(), let hi = last.max(), hi > 0 else { return false }
        return Double(hi - lo) / Double(hi) < 0.005
    }

    private func finish() {
        ownRSSAfter = ProcessStats.residentBytes(pid: ProcessStats.currentPID)
        state = .finished
        control.stop.store(true, ordering: .relaxed)
    }

    private func fail(_ reason: String) {
        if failure == nil { failure = reason }
        state = .finished
        control.stop.store(true, ordering: .relaxed)
    }

    func clientReady(_ client: HTTPKeepAliveClient) {}

    func client(_ client: HTTPKeepAliveClient, received response: HTTPResponseReader.Response, sentAt: Int64) {
        if response.status != 200 { fail("probe publish answered \(response.status)") }
    }

    func clientClosed(_ client: HTTPKeepAliveClient, reason: String?) {
        if state != .finished { fail("publish connection closed: \(reason ?? "closed")") }
    }

    func report() -> ScenarioReport {
        var report = ScenarioReport(scenario: "idle")
        report.add("transport", target.url.isTLS ? "wss" : "ws")
        report.add("connections", connected)
        report.add("failed_connections", control.failed.load(ordering: .relaxed))
        report.add("dropped_connections", control.dropped.load(ordering: .relaxed))
        report.add("sources", max(1, target.sourceAddresses.count))
        report.add("connect_seconds", connectSeconds, digits: 2)
        if let before = rssBefore, let after = rssSamples.last {
            report.add("server_rss_before_bytes", before)
            report.add("server_rss_after_bytes", after)
            report.add("server_rss_per_connection_bytes", connected > 0 ? Double(after - before) / Double(connected) : 0, digits: 0)
        }
        if let before = ownRSSBefore, let after = ownRSSAfter {
            report.add("loadgen_rss_bytes", after)
            report.add("loadgen_rss_per_connection_bytes", connected > 0 ? Double(after - before) / Double(connected) : 0, digits: 0)
        }
        if let failure { report.add("error", failure) } else if control.failed.load(ordering: .relaxed) > 0, let note = control.firstError {
            report.add("note", note)
        }
        return report
    }
}
