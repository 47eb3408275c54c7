import PushCodec
import PushTransport
import Synchronization

/// `GET /healthz`: 200 when the store accepts a write transaction, 503 otherwise.
///
/// The probe is a database round trip, and `/healthz` is open to anyone, so a client that
/// pipelines it by the thousand would turn the store queue into its CPU. A result is therefore
/// reused for `freshSeconds`, and requests that arrive while a probe runs wait for that probe
/// instead of starting their own: at most one probe is running, and a flood costs no more
/// database work than a monitor polling once a second. State is behind a mutex (any loop asks).
final class HealthCheck: Sendable {
    private struct State {
        var lastOK: UInt64?
        var waiting: [Respond]?
    }

    private let store: StoreService
    private let fresh: UInt64
    private let clock: @Sendable () -> UInt64
    private let state = Mutex(State())
    private let probes = Atomic<Int>(0)

    init(store: StoreService, freshSeconds: Double = 1, clock: @escaping @Sendable () -> UInt64 = MonotonicClock.now) {
        self.store = store
        self.fresh = MonotonicClock.seconds(freshSeconds)
        self.clock = clock
    }

    /// Database probes run so far (tests).
    var probesRun: Int { probes.load(ordering: .relaxed) }

    func check(_ respond: @escaping Respond) {
        let now = clock()
        enum Next { case answerOK, wait, probe }
        let next = state.withLock { s -> Next in
            if let ok = s.lastOK, now - ok < fresh { return .answerOK }
            if s.waiting != nil { s.waiting!.append(respond); return .wait }
            s.waiting = [respond]
            return .probe
        }
        switch next {
        case .answerOK: respond(Self.ok)
        case .wait: break
        case .probe: probe()
        }
    }

    private func probe() {
        probes.add(1, ordering: .relaxed)
        store.async({ db in try db.execute("BEGIN IMMEDIATE; ROLLBACK;") }) { [self] result in
            let response: HTTPResponse
            switch result {
            case .success: response = Self.ok
            case .failure(let error):
                response = .error(HTTPError(status: 503, code: "store_unavailable", message: "The database is not writable: \(error)."))
            }
            let waiting = state.withLock { s -> [Respond] in
                // Only a success is reused: a failing store is asked again by the next request.
                if case .success = result { s.lastOK = clock() }
                defer { s.waiting = nil }
                return s.waiting ?? []
            }
            for respond in waiting { respond(response) }
        }
    }

    private static let ok = HTTPResponse.json(200, #"{"status":"ok"}"#)
}
