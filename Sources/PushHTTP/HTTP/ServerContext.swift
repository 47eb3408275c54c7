import Logging
import PushCodec
import PushConfig
import PushObservability
import PushTransport

/// Settings and shared services every connection handler reads. Immutable after start-up.
package final class ServerContext: Sendable {
    package let limits: ServerConfig.Limits
    package let httpLimits: HTTPLimits
    package let pingInterval: UInt64
    package let router: Router
    package let log: Logger
    package let counters: Counters

    package init(config: ServerConfig, router: Router, log: Logger, counters: Counters) {
        self.limits = config.limits
        self.httpLimits = HTTPLimits(maxHeaderBytes: 16 * 1024, maxRequestBytes: config.limits.maxRequestBytes, maxHeaderCount: 100)
        self.pingInterval = MonotonicClock.seconds(config.limits.pingIntervalSeconds)
        self.router = router
        self.log = log
        self.counters = counters
    }
}
