import Dispatch
import PushBroker
import PushCodec
import PushHTTP
import PushObservability
import PushTransport
import Synchronization

/// `GET /metrics`: Prometheus text format. Counters are kept as things happen; gauges (open
/// connections by listener, sessions, subscriptions, topics) are read when scraped — the
/// connection counts by visiting each loop, which owns its connections.
struct MetricsRoute: HTTPRoute {
    let metrics: ServerMetrics
    let stats: BrokerStats
    let group: LoopGroup

    func handle(_ request: HTTPRequest, _ context: RequestContext, _ respond: @escaping Respond) {
        metrics.sessions.record(stats.sessionCount)
        metrics.subscriptions.record(stats.subscriptionCount)
        metrics.topics.record(stats.topicCount)
        let counts = Mutex<[ListenerInfo: Int]>([:])
        let visits = DispatchGroup()
        for loop in group.loops {
            visits.enter()
            loop.execute {
                var local: [ListenerInfo: Int] = [:]
                for connection in loop.allConnections { local[connection.listener, default: 0] += 1 }
                counts.withLock { total in for (k, v) in local { total[k, default: 0] += v } }
                visits.leave()
            }
        }
        let metrics = self.metrics
        visits.notify(queue: .global()) {
            metrics.recordConnections(counts.withLock { $0 })
            var response = HTTPResponse(status: 200, body: metrics.render())
            response.headers.add("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            respond(response)
        }
    }
}
