/// The targets of issues 4 and 18 (the tighter bound where both set one), checked against the
/// medians of a `make bench` run.
struct TargetCheck {
    let target: String
    let measured: String
    let verdict: String

    /// Every target, "not measured" where the run lacked the case (quick runs, no peer).
    static func all(names: [String], labels: [String], median: (String, String, String) -> Double?) -> [TargetCheck] {
        let wp = names.first ?? "wamp-push"
        let peer = names.count > 1 ? names[1] : nil
        var out: [TargetCheck] = []

        func check(_ target: String, _ value: Double?, _ unit: String, atLeast: Double? = nil, atMost: Double? = nil) {
            guard let value else { out.append(TargetCheck(target: target, measured: "not measured", verdict: "-")); return }
            let ok = (atLeast.map { value >= $0 } ?? true) && (atMost.map { value <= $0 } ?? true)
            let bound = atLeast ?? atMost ?? 0
            let gap = atLeast != nil ? "needs \(format1(bound / max(value, 1e-9)))x more" : "\(format1(value / max(bound, 1e-9)))x over"
            out.append(TargetCheck(target: target, measured: "\(SummarizeCommand.format(value, ratio: unit == "x"))\(unit)",
                                   verdict: ok ? "PASS" : "FAIL (\(gap))"))
        }
        func ratio(_ a: Double?, _ b: Double?) -> Double? {
            guard let a, let b, b > 0 else { return nil }
            return a / b
        }
        let fanoutWS = median(wp, "fanout-10000-64-ws", "deliveries_per_server_cpu_s")
        check("fan-out/server CPU-s, 10k subs, 64 B, ws: >= 20x peer",
              ratio(fanoutWS, peer.flatMap { median($0, "fanout-10000-64-ws", "deliveries_per_server_cpu_s") }), "x", atLeast: 20)
        check("fan-out/server CPU-s over wss >= 0.6x ws (10k subs, 64 B)",
              ratio(median(wp, "fanout-10000-64-wss", "deliveries_per_server_cpu_s"), fanoutWS), "x", atLeast: 0.6)
        check("p99 at 10 publishes/s, 10k subs <= 105 ms", median(wp, "latency-10000-10", "latency_p99_ms"), " ms", atMost: 105)
        check("p99 at 10 publishes/s, 1k subs <= 15 ms", median(wp, "latency-1000-10", "latency_p99_ms"), " ms", atMost: 15)
        let idleWS = labels.filter { $0.hasPrefix("idle-") && $0.hasSuffix("-ws") && (Int($0.split(separator: "-")[1]) ?? 0) >= 19_000 }.first
        let idleWSS = labels.filter { $0.hasPrefix("idle-") && $0.hasSuffix("-wss") && (Int($0.split(separator: "-")[1]) ?? 0) >= 19_000 }.first
        check("idle RSS per plain connection (>= 19,000) <= 800 B", idleWS.flatMap { median(wp, $0, "server_rss_per_connection_bytes") }, " B", atMost: 800)
        check("idle RSS per TLS connection (>= 19,000) <= 36,864 B", idleWSS.flatMap { median(wp, $0, "server_rss_per_connection_bytes") }, " B", atMost: 36_864)
        check("plain handshakes per server CPU-s >= 20,000", median(wp, "handshake-ws", "handshakes_per_server_cpu_s"), "", atLeast: 20_000)
        check("TLS handshakes per server CPU-s >= 3,500", median(wp, "handshake-wss", "handshakes_per_server_cpu_s"), "", atLeast: 3_500)
        check("durable webhooks/s on one core >= 5,000", median(wp, "webhook", "ok_per_s"), "/s", atLeast: 5_000)
        return out
    }

    private static func format1(_ value: Double) -> String {
        let r = (value * 10).rounded() / 10
        return String(r)
    }
}
