import Synchronization

/// Open connections per source address, process-wide (Docs/security.md, "What a connection may cost").
/// An IPv4 peer counts by its address, an IPv6 peer by its /64 (one host usually owns a whole
/// /64, so counting single IPv6 addresses would be no limit at all).
///
/// Loopback peers are exempt unless configured otherwise: behind a same-host proxy every
/// browser arrives from 127.0.0.1, and the proxy is the place to limit them.
/// The table only holds addresses with an open connection, so it is bounded by the connection
/// limit. Protected by a mutex: accepts on every loop reserve, closes on every loop release.
public final class AddressQuota: Sendable {
    /// What a connection holds: nothing (unlimited or exempt) or one unit of an address's count.
    public enum Reservation: Sendable, Equatable {
        case untracked
        case held(String)
    }

    public let limit: Int
    public let exemptLoopback: Bool
    private let counts = Mutex<[String: Int]>([:])

    /// `limit` 0 means no limit.
    public init(limit: Int = 0, exemptLoopback: Bool = true) {
        self.limit = limit
        self.exemptLoopback = exemptLoopback
    }

    /// A reservation for a new connection from `peer`, or nil when that address is at its limit.
    func reserve(_ peer: SocketAddress?) -> Reservation? {
        guard limit > 0, let peer, !(exemptLoopback && peer.isLoopback) else { return .untracked }
        let key = peer.sourceKey
        let admitted = counts.withLock { table -> Bool in
            let current = table[key, default: 0]
            guard current < limit else { return false }
            table[key] = current + 1
            return true
        }
        return admitted ? .held(key) : nil
    }

    func release(_ reservation: Reservation) {
        guard case .held(let key) = reservation else { return }
        counts.withLock { table in
            let left = table[key, default: 1] - 1
            table[key] = left > 0 ? left : nil
        }
    }

    /// Connections open from the address `peer` counts under (tests, diagnostics).
    public func count(for peer: SocketAddress) -> Int { counts.withLock { $0[peer.sourceKey, default: 0] } }

    /// Addresses currently tracked.
    public var trackedAddresses: Int { counts.withLock { $0.count } }
}
