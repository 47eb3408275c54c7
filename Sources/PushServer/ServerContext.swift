import Logging
import PushCodec
import PushTransport

/// Settings and shared services every connection handler reads. Immutable after start-up.
final class ServerContext: Sendable {
    let limits: ServerConfig.Limits
    let httpLimits: HTTPLimits
    let pingInterval: UInt64
    let router: Router
    let log: Logger
    let counters: Counters

    init(config: ServerConfig, router: Router, log: Logger, counters: Counters) {
        self.limits = config.limits
        self.httpLimits = HTTPLimits(maxHeaderBytes: 16 * 1024, maxRequestBytes: config.limits.maxRequestBytes, maxHeaderCount: 100)
        self.pingInterval = MonotonicClock.seconds(config.limits.pingIntervalSeconds)
        self.router = router
        self.log = log
        self.counters = counters
    }
}
