import Logging
import PushObservability
import PushTransport

/// What the transport reports (refusals, deadlines, TLS and accept failures) turned into counters
/// and log lines; refusal lines are throttled so a flood writes a few lines, not one per peer.
enum TransportEventLog {
    static func handler(counters: Counters, log: Logger) -> @Sendable (TransportEvent) -> Void {
        { event in
            switch event {
            case .tlsHandshakeFailed(let peer, let reason):
                counters.tlsHandshakeFailed()
                log.info("TLS handshake failed", metadata: ["peer": "\(peer)", "reason": "\(reason)"])
            case .connectionLimitReached(let limit):
                counters.connectionLimitReached()
                if let suppressed = counters.logThrottle.admit("connection_limit") {
                    log.warning("connection refused: limit reached", metadata: [
                        "limit": "\(limit)", "key": "limits.maxConnections", "suppressed": "\(suppressed)"])
                }
            case .addressLimitReached(let peer, let limit):
                counters.addressLimitReached()
                if let suppressed = counters.logThrottle.admit("connections_per_address") {
                    log.warning("connection refused: too many from one address", metadata: [
                        "peer": "\(peer)", "limit": "\(limit)", "key": "limits.maxConnectionsPerAddress", "suppressed": "\(suppressed)"])
                }
            case .deadlinePassed(let phase, let peer):
                counters.deadlinePassed(phase)
                if let suppressed = counters.logThrottle.admit("deadline") {
                    log.info("connection closed: deadline passed", metadata: [
                        "phase": "\(phase.rawValue)", "peer": "\(peer)", "suppressed": "\(suppressed)"])
                }
            case .acceptFailed(let reason):
                if let suppressed = counters.logThrottle.admit("accept_failed") {
                    log.error("accept failed", metadata: ["reason": "\(reason)", "suppressed": "\(suppressed)"])
                }
            case .acceptExhausted(let reason, let refusedOne):
                if refusedOne { counters.connectionLimitReached() }
                if let suppressed = counters.logThrottle.admit("accept_exhausted") {
                    log.error("accept failed: out of descriptors, refusing connections", metadata: [
                        "reason": "\(reason)", "key": "limits.reservedDescriptors", "suppressed": "\(suppressed)"])
                }
            }
        }
    }
}
