/// The server's RSS and open descriptors: at start, before the stalled peers (baseline), every
/// second (for the peak) and at the end.
struct ServerSamples {
    enum Phase { case start, baseline, end }

    private var start: (rss: Int, fds: Int)?
    private var baseline: (rss: Int, fds: Int)?
    private var end: (rss: Int, fds: Int)?
    private var peakRSS = 0
    private var peakFDs = 0
    private var peakAt: Int64 = 0
    private var baselineAt: Int64 = 0
    private var next: Int64 = 0
    /// Every fifth sample as `seconds since the stalled peers opened:RSS MB/descriptors`.
    private var timeline: [String] = []

    mutating func sampleEverySecond(_ target: BenchTarget, now: Int64) {
        guard now >= next else { return }
        next = now + 1_000_000_000
        guard let value = take(target, now: now), baselineAt > 0 else { return }
        let seconds = (now - baselineAt) / 1_000_000_000
        if timeline.isEmpty || timeline.count * 5 <= seconds { timeline.append("\(seconds):\(value.rss >> 20)/\(value.fds)") }
    }

    mutating func sample(_ target: BenchTarget, now: Int64, phase: Phase) {
        guard let value = take(target, now: now) else { return }
        switch phase {
        case .start: start = value
        case .baseline: baseline = value; baselineAt = now
        case .end: end = value
        }
    }

    /// The server's descriptors are back to the baseline's (plus `extra` of ours): every
    /// stalled peer is gone from the server, whether or not its close reached the peer.
    func holdsNoMoreThanBaseline(extra: Int) -> Bool {
        guard let baseline, latestFDs > 0 else { return false }
        return latestFDs <= baseline.fds + extra
    }

    private var latestFDs = 0

    private mutating func take(_ target: BenchTarget, now: Int64) -> (rss: Int, fds: Int)? {
        guard let pid = target.serverPID, let rss = ProcessStats.residentBytes(pid: pid) else { return nil }
        let fds = ProcessStats.openFileCount(pid: pid) ?? 0
        latestFDs = fds
        if rss > peakRSS { peakRSS = rss; peakAt = now }
        peakFDs = max(peakFDs, fds)
        return (rss, fds)
    }

    func add(to report: inout ScenarioReport, slowPeers: Int) {
        guard let start, let baseline, let end else { return }
        report.add("server_rss_start_bytes", start.rss)
        report.add("server_rss_baseline_bytes", baseline.rss)
        report.add("server_rss_peak_bytes", peakRSS)
        report.add("server_rss_peak_at_s", Double(max(0, peakAt - baselineAt)) / 1e9, digits: 1)
        report.add("server_rss_end_bytes", end.rss)
        report.add("server_rss_per_slow_peer_bytes", slowPeers > 0 ? Double(peakRSS - baseline.rss) / Double(slowPeers) : 0, digits: 0)
        report.add("server_fds_baseline", baseline.fds)
        report.add("server_fds_peak", peakFDs)
        report.add("server_fds_end", end.fds)
        report.add("server_timeline_s_mb_fds", timeline.joined(separator: " "))
    }
}
