import PushBroker
import PushCodec
import PushHTTP
import PushStore

/// `GET /healthz`: 200 when the store accepts a write transaction, 503 otherwise.
///
/// The probe takes the database's write lock, and anyone may ask, pipelined, as fast as they
/// like: concurrent requests share one probe and its answer is kept for `cacheSeconds`, so a
/// flood of health checks costs one store round trip a second instead of one each (the
/// slow-reader soak in Docs/benchmarks.md).
final class HealthCheck: Sendable {
    enum Status: Sendable, Equatable {
        case ok
        case unavailable(String)
    }

    private let store: StoreService
    private let cache: SingleFlightCache<Int, Status>
    private let cacheSeconds: Double

    init(store: StoreService, cacheSeconds: Double = 1) {
        self.store = store
        self.cacheSeconds = cacheSeconds
        cache = SingleFlightCache(ttl: cacheSeconds)
    }

    /// Store probes started (for tests).
    var probeCount: Int { cache.computeCount }

    func respond(_ respond: @escaping Respond) {
        let store = self.store, seconds = cacheSeconds
        cache.value(for: 0, timeToLive: { _ in seconds }, compute: { deliver in
            store.async({ db in try db.execute("BEGIN IMMEDIATE; ROLLBACK;") }) { result in
                switch result {
                case .success: deliver(.ok)
                case .failure(let error): deliver(.unavailable("\(error)"))
                }
            }
        }, completion: { status in
            switch status {
            case .ok: respond(.json(200, #"{"status":"ok"}"#))
            case .unavailable(let why):
                respond(.error(HTTPError(status: 503, code: "store_unavailable", message: "The database is not writable: \(why).")))
            }
        })
    }
}
