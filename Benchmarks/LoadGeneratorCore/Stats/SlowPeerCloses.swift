/// When the stalled peers saw the server end them (RST or FIN), in seconds since they opened.
/// A peer the server closed with output still unsent sees nothing until the kernel gives up on
/// it; the server's descriptor count is the other view.
struct SlowPeerCloses {
    private var http: [Double] = []
    private var webSocket: [Double] = []

    var total: Int { http.count + webSocket.count }

    mutating func record(_ kind: StalledPeer.Kind, seconds: Double) {
        if kind == .http { http.append(seconds) } else { webSocket.append(seconds) }
    }

    func add(to report: inout ScenarioReport) {
        for (name, times) in [("http", http), ("ws", webSocket)] {
            report.add("\(name)_peers_closed_seen", times.count)
            if let first = times.min(), let last = times.max() {
                report.add("\(name)_first_close_s", first, digits: 1)
                report.add("\(name)_last_close_s", last, digits: 1)
            }
        }
    }
}
