import PushClient
import Synchronization

/// Idle keep-alive HTTP clients to the upstream, so consecutive calls reuse one TCP connection.
/// A client is either idle in the pool (under the lock) or checked out by exactly one call.
package final class UpstreamConnectionPool: Sendable {
    /// What a pooled client was made for; a client is reused only for the same key.
    package struct Key: Hashable, Sendable {
        package init(url: String, connectTimeout: Double, requestTimeout: Double) {
            self.url = url
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
        }

        package var url: String
        package var connectTimeout: Double
        package var requestTimeout: Double
    }

    private let idle = Mutex<[UpstreamLease]>([])
    private let maxIdle: Int
    /// Node's default keep-alive timeout is 5 s: drop our side a little earlier so a reused
    /// connection is not closed under a request by the server.
    private let maxIdleSeconds: Double

    package init(maxIdle: Int = 4, maxIdleSeconds: Double = 4) {
        self.maxIdle = maxIdle
        self.maxIdleSeconds = maxIdleSeconds
    }

    /// An idle client for `key` or a new one (which connects lazily on its first request).
    package func checkout(_ key: Key, url: ClientURL) -> UpstreamLease {
        let now = ContinuousClock.now
        let (reused, expired): (UpstreamLease?, [UpstreamLease]) = idle.withLock { leases in
            let limit = Duration.milliseconds(Int64(maxIdleSeconds * 1000))
            let expired = leases.filter { $0.lastUsed.duration(to: now) > limit }
            leases.removeAll { $0.lastUsed.duration(to: now) > limit }
            guard let index = leases.lastIndex(where: { $0.key == key }) else { return (nil, expired) }
            return (leases.remove(at: index), expired)
        }
        for lease in expired { lease.http.close() }
        if let reused { return reused }
        let http = HTTPClient(url: url, connectTimeout: key.connectTimeout, requestTimeout: key.requestTimeout)
        return UpstreamLease(key: key, http: http, lastUsed: now)
    }

    /// Returns a client after its call; it keeps its connection if the server left it open.
    package func checkin(_ lease: UpstreamLease) {
        lease.lastUsed = ContinuousClock.now
        let surplus: UpstreamLease? = idle.withLock { leases in
            leases.append(lease)
            return leases.count > maxIdle ? leases.removeFirst() : nil
        }
        surplus?.http.close()
    }

    /// Closes every idle connection (settings changed, or shutting down).
    package func closeAll() {
        let all = idle.withLock { leases in
            defer { leases.removeAll() }
            return leases
        }
        for lease in all { lease.http.close() }
    }
}

/// One `HTTPClient` (not thread-safe) handed to one call at a time by the pool, which is what
/// makes sharing it across threads sound.
package final class UpstreamLease: @unchecked Sendable {
    package let key: UpstreamConnectionPool.Key
    package let http: HTTPClient
    package var lastUsed: ContinuousClock.Instant

    package init(key: UpstreamConnectionPool.Key, http: HTTPClient, lastUsed: ContinuousClock.Instant) {
        self.key = key
        self.http = http
        self.lastUsed = lastUsed
    }
}
