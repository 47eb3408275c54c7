import PushTransport

/// `handshake`: connect, upgrade with the token, read WELCOME, reset; as many as possible.
public struct HandshakeOptions: Sendable {
    public var seconds: Double
    /// Connections in their handshake at once.
    public var concurrency: Int

    public init(seconds: Double, concurrency: Int = 64) {
        self.seconds = seconds
        self.concurrency = max(1, concurrency)
    }
}

public enum HandshakeScenario {
    public static func run(_ target: BenchTarget, _ options: HandshakeOptions) throws(BenchError) -> ScenarioReport {
        FileLimits.raiseOpenFileLimit()
        let tls = try target.tlsContext()
        let control = RunControl()
        let driver = HandshakeDriver(target: target, options: options, control: control)
        let plans = target.plans(connections: .max, concurrency: options.concurrency, subscribe: false, tls: tls)
        _ = try Runner.run(plans: plans, control: control, driver: driver)
        return driver.report()
    }
}

/// Times a fixed window and counts the completed upgrades inside it.
final class HandshakeDriver: ScenarioDriver {
    private let target: BenchTarget
    private let options: HandshakeOptions
    private let control: RunControl
    private var started: Int64 = 0
    private var ended: Int64 = 0
    private var handshakes = 0
    private var serverCPU: (Double?, Double?) = (nil, nil)
    private var ownCPU: (Double?, Double?) = (nil, nil)

    init(target: BenchTarget, options: HandshakeOptions, control: RunControl) {
        self.target = target
        self.options = options
        self.control = control
    }

    func start(_ worker: Worker) {
        serverCPU.0 = target.serverCPU()
        ownCPU.0 = ProcessStats.cpuSeconds(pid: ProcessStats.currentPID)
        started = MonotonicClock.nanoseconds()
    }

    func tick(_ worker: Worker) -> Int32 {
        let now = MonotonicClock.nanoseconds()
        let elapsed = now - started
        // Nothing works at all: stop early rather than spin for the whole window.
        if control.handshakes.load(ordering: .relaxed) == 0 && control.failed.load(ordering: .relaxed) >= 1000 {
            finish(now)
        } else if elapsed >= Int64(options.seconds * 1e9) {
            finish(now)
        }
        return Int32(clamping: max(1, min(10, (Int64(options.seconds * 1e9) - elapsed) / 1_000_000)))
    }

    private func finish(_ now: Int64) {
        ended = now
        handshakes = control.handshakes.load(ordering: .relaxed)
        serverCPU.1 = target.serverCPU()
        ownCPU.1 = ProcessStats.cpuSeconds(pid: ProcessStats.currentPID)
        control.opening.store(false, ordering: .relaxed)
        control.stop.store(true, ordering: .relaxed)
    }

    func report() -> ScenarioReport {
        var report = ScenarioReport(scenario: "handshake")
        report.add("transport", target.url.isTLS ? "wss" : "ws")
        report.add("concurrency", options.concurrency)
        report.add("handshakes", handshakes)
        report.add("failed", control.failed.load(ordering: .relaxed))
        let seconds = Double(ended - started) / 1e9
        report.add("seconds", seconds, digits: 3)
        report.add("handshakes_per_s", seconds > 0 ? Double(handshakes) / seconds : 0, digits: 0)
        if let a = serverCPU.0, let b = serverCPU.1 {
            report.add("server_cpu_s", b - a, digits: 2)
            report.add("handshakes_per_server_cpu_s", b > a ? Double(handshakes) / (b - a) : 0, digits: 0)
        }
        if let a = ownCPU.0, let b = ownCPU.1 { report.add("loadgen_cpu_s", b - a, digits: 2) }
        if handshakes == 0 {
            report.add("error", "no handshake completed: \(control.firstError ?? "unknown error")")
        } else if control.failed.load(ordering: .relaxed) > 0, let note = control.firstError {
            report.add("note", note)
        }
        return report
    }
}
