import Glibc
import PushTransport

/// `readrate`: the load generator's own ceiling. An in-process `FrameBlaster` streams events to
/// N subscribers; worker 0's thread CPU time says how many deliveries one core can read.
public struct ReadRateOptions: Sendable {
    public var connections: Int
    public var events: Int
    public var payloadBytes: Int
    /// Bytes per blaster write: small values mimic a server that writes one frame at a time.
    public var chunkBytes: Int

    public init(connections: Int, events: Int, payloadBytes: Int = 64, chunkBytes: Int = 65_536) {
        self.connections = connections
        self.events = events
        self.payloadBytes = payloadBytes
        self.chunkBytes = chunkBytes
    }
}

public enum ReadRateScenario {
    public static func run(_ options: ReadRateOptions, bufferBytes: Int = 256 * 1024) throws(BenchError) -> ScenarioReport {
        FileLimits.raiseOpenFileLimit()
        let topic = "newNotification"
        let blaster = try FrameBlaster(events: options.events, payloadBytes: options.payloadBytes, topic: topic, chunkBytes: options.chunkBytes)
        defer { blaster.shutdown() }
        let url = try BenchURL("ws://127.0.0.1:\(blaster.port)/wss")
        let target = BenchTarget(url: url, publishURL: url, token: "t", user: "u", topic: topic, threads: 1, bufferBytes: bufferBytes)
        let control = RunControl()
        let driver = ReadRateDriver(options: options, control: control, blaster: blaster)
        let plans = target.plans(connections: options.connections, concurrency: 256, subscribe: true, tls: nil)
        let results = try Runner.run(plans: plans, control: control, driver: driver)
        return driver.report(results)
    }
}

final class ReadRateDriver: ScenarioDriver {
    private let options: ReadRateOptions
    private let control: RunControl
    private let blaster: FrameBlaster
    private var streaming = false
    private var started: Int64 = 0
    private var ended: Int64 = 0
    private var threadCPU: (Double, Double) = (0, 0)
    private var deadline: Int64 = 0
    private var failure: String?

    init(options: ReadRateOptions, control: RunControl, blaster: FrameBlaster) {
        self.options = options
        self.control = control
        self.blaster = blaster
    }

    func start(_ worker: Worker) {
        deadline = MonotonicClock.nanoseconds() + 60_000_000_000
    }

    func tick(_ worker: Worker) -> Int32 {
        let now = MonotonicClock.nanoseconds()
        if now > deadline {
            failure = "timed out: \(control.delivered.load(ordering: .relaxed)) deliveries"
            return stop(now)
        }
        if !streaming {
            if control.failed.load(ordering: .relaxed) > 0 {
                failure = control.firstError ?? "connection failed"
                return stop(now)
            }
            if control.probed.load(ordering: .relaxed) >= options.connections {
                streaming = true
                threadCPU.0 = Self.threadCPUSeconds()
                started = MonotonicClock.nanoseconds()
                blaster.start()
            }
            return 5
        }
        if control.delivered.load(ordering: .relaxed) >= options.connections * options.events { return stop(now) }
        return 5
    }

    private func stop(_ now: Int64) -> Int32 {
        ended = now
        threadCPU.1 = Self.threadCPUSeconds()
        control.published.store(options.events, ordering: .relaxed)
        control.stop.store(true, ordering: .relaxed)
        return 0
    }

    /// CPU seconds of the calling thread (worker 0: every read, parse and scan happens there).
    static func threadCPUSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    func report(_ results: [WorkerResult]) -> ScenarioReport {
        var delivered: Int64 = 0, lost: Int64 = 0, reordered: Int64 = 0
        for r in results { delivered += r.delivered; lost += r.lost; reordered += r.reordered }
        var report = ScenarioReport(scenario: "readrate")
        report.add("connections", options.connections)
        report.add("payload_bytes", options.payloadBytes)
        report.add("write_chunk_bytes", options.chunkBytes)
        report.add("deliveries", delivered)
        report.add("lost", lost)
        report.add("reordered", reordered)
        let seconds = Double(ended - started) / 1e9
        let cpu = threadCPU.1 - threadCPU.0
        report.add("seconds", seconds, digits: 3)
        report.add("deliveries_per_s", seconds > 0 ? Double(delivered) / seconds : 0, digits: 0)
        report.add("reader_cpu_s", cpu, digits: 3)
        report.add("deliveries_per_reader_cpu_s", cpu > 0 ? Double(delivered) / cpu : 0, digits: 0)
        if let failure { report.add("error", failure) }
        return report
    }
}
