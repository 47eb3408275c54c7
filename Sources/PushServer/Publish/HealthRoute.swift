import Logging
import PushCluster
import PushCodec
import PushHTTP
import PushObservability
import PushStore

enum HealthRoute {
    /// 200 when the store accepts a write transaction, 503 otherwise (anyone may ask: the
    /// store's error goes to the log, not into the answer). In a cluster it adds
    /// `"cluster": "ok"` or `"degraded"` (Redis unreachable) and stays 200 either way: the node
    /// still serves its own sessions, and a load balancer must not pull every node at once.
    static func check(_ store: StoreService, cluster: ClusterNode? = nil, _ log: Logger, _ throttle: LogThrottle,
                      _ respond: @escaping Respond) {
        store.async({ db in try db.execute("BEGIN IMMEDIATE; ROLLBACK;") }) { result in
            switch result {
            case .success:
                guard let cluster else { return respond(.json(200, #"{"status":"ok"}"#)) }
                respond(.json(200, JSONValue.object(["status": "ok", "cluster": .string(cluster.status), "node": .string(cluster.nodeId)])))
            case .failure(let error):
                if let suppressed = throttle.admit("health_check") {
                    log.error("health check: the database is not writable", metadata: ["error": "\(error)", "suppressed": "\(suppressed)"])
                }
                respond(.error(.storeUnavailable("The database is not writable.")))
            }
        }
    }
}
