import Logging
import PushCodec
import PushTransport

/// Settings and shared services every connection handler reads. Immutable after start-up.
final class ServerContext: Sendable {
    let limits: ServerConfig.Limits
    let httpLimits: HTTPLimits
    let handshakeTimeout: UInt64
    let keepAliveIdleTimeout: UInt64
    let pingInterval: UInt64
    let closeTimeout: UInt64
    let router: Router
    let log: Logger
    let counters: Counters

    init(config: ServerConfig, router: Router, log: Logger, counters: Counters) {
        self.limits = config.limits
        self.httpLimits = HTTPLimits(maxHeaderBytes: 16 * 1024, maxRequestBytes: config.limits.maxRequestBytes, maxHeaderCount: 100)
        self.handshakeTimeout = MonotonicClock.seconds(config.limits.handshakeTimeoutSeconds)
        self.keepAliveIdleTimeout = MonotonicClock.seconds(max(60, config.limits.handshakeTimeoutSeconds))
        self.pingInterval = MonotonicClock.seconds(config.limits.pingIntervalSeconds)
        self.closeTimeout = MonotonicClock.seconds(3)
        self.router = router
        self.log = log
        self.counters = counters
    }
}
