import Logging
import PushBroker
import PushCluster
import PushCodec
import PushHTTP
import PushObservability
import PushStore

/// `GET /healthz`: 200 when the store accepts a write transaction, 503 otherwise (anyone may
/// ask: the store's error goes to the log, not into the answer). In a cluster it adds
/// `"cluster": "ok"` or `"degraded"` (Redis unreachable) and stays 200 either way: the node
/// still serves its own sessions, and a load balancer must not pull every node at once.
///
/// The probe takes the database's write lock, and anyone may ask, pipelined, as fast as they
/// like: concurrent requests share one probe and its outcome is kept for `cacheSeconds`, so a
/// flood of health checks costs one store round trip a second instead of one each (the
/// slow-reader soak in Docs/benchmarks.md).
final class HealthCheck: Sendable {
    enum Probe: Sendable, Equatable {
        case writable
        case failed(String)
    }

    private let store: StoreService
    private let cluster: ClusterNode?
    private let log: Logger
    private let throttle: LogThrottle
    private let cache: SingleFlightCache<Int, Probe>
    private let cacheSeconds: Double

    init(store: StoreService, cluster: ClusterNode? = nil, log: Logger, throttle: LogThrottle, cacheSeconds: Double = 1) {
        self.store = store
        self.cluster = cluster
        self.log = log
        self.throttle = throttle
        self.cacheSeconds = cacheSeconds
        cache = SingleFlightCache(ttl: cacheSeconds)
    }

    /// Store probes started (for tests).
    var probeCount: Int { cache.computeCount }

    func respond(_ respond: @escaping Respond) {
        let (store, seconds, cluster, log, throttle) = (self.store, cacheSeconds, self.cluster, self.log, self.throttle)
        cache.value(for: 0, timeToLive: { _ in seconds }, compute: { deliver in
            store.async({ db in try db.execute("BEGIN IMMEDIATE; ROLLBACK;") }) { result in
                switch result {
                case .success: deliver(.writable)
                case .failure(let error): deliver(.failed("\(error)"))
                }
            }
        }, completion: { probe in
            switch probe {
            case .writable:
                guard let cluster else { return respond(.json(200, #"{"status":"ok"}"#)) }
                respond(.json(200, JSONValue.object(["status": "ok", "cluster": .string(cluster.status), "node": .string(cluster.nodeId)])))
            case .failed(let error):
                if let suppressed = throttle.admit("health_check") {
                    log.error("health check: the database is not writable", metadata: ["error": "\(error)", "suppressed": "\(suppressed)"])
                }
                respond(.error(HTTPError(status: 503, code: "store_unavailable", message: "The database is not writable.")))
            }
        })
    }
}
