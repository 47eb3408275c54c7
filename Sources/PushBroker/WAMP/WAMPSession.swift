import Logging
import PushCodec
import PushHTTP
import PushObservability
import PushTransport

/// One authenticated WAMP v1 session (Docs/protocol.md, "WAMP v1") on top of a WebSocket.
/// Loop-confined: created, driven and closed on its connection's loop thread; references leave
/// the loop only to come back through `loop.execute` (hence the unchecked Sendable).
package final class WAMPSession: WebSocketSession, @unchecked Sendable {
    package let sessionId: String
    package let userId: String
    package let tokenHash: String
    package let webSocket: WebSocketHandler
    /// Topic URI → where this session sits in that topic (kept by `TopicIndex`).
    package var subscriptions = SessionSubscriptions()
    /// Bounded by `limits.maxPrefixesPerSession` and `limits.maxTopicBytes` (`shared.prefixLimits`).
    private var prefixes = PrefixTable()
    /// One instance per route, shared by all its sessions (a copy per session cost ~100 B each).
    private let shared: WAMPServices.Shared
    private var services: WAMPServices { shared.services }
    /// Its loop's broker (looked up, not stored: subscribing and closing are rare next to idling).
    var loopBroker: LoopBroker { services.broker.loopBroker(for: webSocket.connection.loop) }
    /// Undeclared topics this session subscribed to (by hash): they count toward the cap too, so
    /// a flood of them ends like any other cap breach (Docs/security.md). Never removed.
    private var undeclared: Set<Int> = []
    // The small fields last and together, so they share one word (Docs/benchmarks.md).
    /// Access checks still running for this session's subscriptions (they count toward the cap).
    private var pendingChecks: Int32 = 0
    private var open = true
    /// In its loop broker's session count (`webSocketDidOpen` ran).
    private(set) var isInBroker = false
    /// Counts toward `limits.maxSessionsPerUser` in `shared.sessionQuota` (as `userId`), taken over
    /// from the handshake's reservation: given back on close, or in `deinit` if it never closed.
    /// A flag, not the reservation object, which cost every idle session 64 bytes.
    private let holdsQuota: Bool

    package static let callErrorURI = "http://wamp-push/error#notallowed"

    package init(webSocket: WebSocketHandler, userId: String, tokenHash: String, sessionReservation: UserSessionQuota.Reservation? = nil,
         services shared: WAMPServices.Shared) {
        self.sessionId = Self.makeSessionId()
        if let sessionReservation, let quota = shared.sessionQuota, sessionReservation.userId == userId,
           sessionReservation.quota === quota, sessionReservation.handOver() {
            holdsQuota = true
        } else {
            // Only a wiring mistake gets here: the count is then given back when the reservation
            // is freed (with the closure that made this session), not when the session closes.
            assert(sessionReservation == nil, "a reservation from another quota or for another user")
            holdsQuota = false
        }
        self.webSocket = webSocket
        self.userId = userId
        self.tokenHash = tokenHash
        self.shared = shared
    }

    /// 90 random bits as 15 URL-safe base64 characters: unguessable (exclude/eligible lists name
    /// sessions by it), and short enough to be a small string stored inline, with no heap block.
    package static func makeSessionId() -> String {
        // 15 characters × 6 bits: 60 from the first word, 30 from the second.
        let random = SessionIdRandom.next()
        return String(unsafeUninitializedCapacity: sessionIdLength) { out in
            for i in 0..<10 { out[i] = sessionIdAlphabet[Int((random.high >> UInt64(6 * i)) & 63)] }
            for i in 0..<5 { out[10 + i] = sessionIdAlphabet[Int((random.low >> UInt32(6 * i)) & 63)] }
            return sessionIdLength
        }
    }

    package static let sessionIdLength = 15
    private static let sessionIdAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    deinit {
        if open && holdsQuota { shared.sessionQuota?.releaseSession(of: userId) }
    }

    package func webSocketDidOpen(_ webSocket: WebSocketHandler) {
        isInBroker = true
        loopBroker.add(self)
        webSocket.send(FrameEncoder.serverFrame(.text, payload: WAMPCodec.welcome(sessionId: sessionId, serverIdent: ServerIdentity.product)))
    }

    package func webSocketDidClose(_ webSocket: WebSocketHandler) {
        guard open else { return }
        open = false
        if isInBroker { loopBroker.remove(self) }
        isInBroker = false
        if holdsQuota { shared.sessionQuota?.releaseSession(of: userId) }
    }

    package func webSocket(_ webSocket: WebSocketHandler, didReceiveBinary data: UnsafeRawBufferPointer) {
        close(.unsupportedData, reason: "WAMP v1 messages are JSON text frames")
    }

    package func webSocket(_ webSocket: WebSocketHandler, didReceiveText text: UnsafeRawBufferPointer) {
        let message: WAMPClientMessage
        do { message = try WAMPCodec.decodeClientMessage(text) } catch {
            services.log.info("invalid WAMP message", metadata: ["session": "\(sessionId)", "reason": "\(error.message)"])
            close(.policyViolation, reason: error.message)
            return
        }
        switch message {
        case .prefix(let prefix, let uri):
            switch prefixes.register(prefix: prefix, uri: uri, limits: shared.prefixLimits) {
            case nil: break
            case .tooManyPrefixes(let limit)?:
                refuseTopic("too many prefixes (limit \(limit), limits.maxPrefixesPerSession)")
            case .tooLong(let limit)?:
                refuseTopic("prefix or prefix URI longer than \(limit) bytes (limits.maxTopicBytes)")
            }
        case .call(let callId, let procURI, let arguments) where procURI == TopicInfo.procedure:
            guard let topic = expand(arguments.first?.stringValue ?? "") else { return }
            webSocket.send(FrameEncoder.serverFrame(.text, payload: WAMPCodec.callResult(
                callId: callId, result: TopicInfo.describe(topic, services.broker.categories))))
        case .call(let callId, _, _):
            webSocket.send(FrameEncoder.serverFrame(.text, payload: WAMPCodec.callError(
                callId: callId, errorURI: Self.callErrorURI, description: "You are not allowed to make calls")))
        case .subscribe(let topic):
            subscribe(topic)
        case .unsubscribe(let topic):
            guard let uri = expand(topic) else { return }
            loopBroker.unsubscribe(self, uri: uri)
        case .publish(let topic, let event, let options):
            publish(topic, event, options)
        }
    }

    /// `spelling` with its CURIE expanded; nil, closing the session (1008), when that is longer
    /// than `limits.maxTopicBytes`: every subscription keeps its topic for the session's life.
    private func expand(_ spelling: String) -> String? {
        if let uri = prefixes.resolve(spelling, limit: services.maxTopicBytes) { return uri }
        refuseTopic("topic longer than \(services.maxTopicBytes) bytes (limits.maxTopicBytes)")
        return nil
    }

    private func refuseTopic(_ reason: String) {
        if let suppressed = services.counters.logThrottle.admit("topic_limits") {
            services.log.info("session closed: topic limit", metadata: [
                "session": "\(sessionId)", "user": "\(userId)", "reason": "\(reason)", "suppressed": "\(suppressed)"])
        }
        close(.policyViolation, reason: reason)
    }

    private func subscribe(_ spelling: String) {
        guard let uri = expand(spelling) else { return }
        let resolved = services.broker.categories.resolve(uri)
        // WAMP v1 has no error reply to SUBSCRIBE, so a session past its cap is closed (1008):
        // silently dropping would recreate the legacy "subscribed but nothing arrives".
        let counted = resolved == nil ? !undeclared.contains(uri.hashValue) : subscriptions[uri] == nil
        if counted && subscriptions.count + Int(pendingChecks) + undeclared.count >= services.maxSubscriptionsPerSession {
            services.counters.subscriptionLimitReached()
            if let suppressed = services.counters.logThrottle.admit("subscriptions_per_session") {
                services.log.info("session closed: too many subscriptions", metadata: [
                    "session": "\(sessionId)", "user": "\(userId)", "limit": "\(services.maxSubscriptionsPerSession)",
                    "key": "limits.maxSubscriptionsPerSession", "suppressed": "\(suppressed)"])
            }
            close(.policyViolation, reason: "too many subscriptions (limit \(services.maxSubscriptionsPerSession))")
            return
        }
        guard let resolved else {
            // EspoCRM ignores subscriptions to undeclared topics; so do we (visible at debug level).
            undeclared.insert(uri.hashValue)
            services.log.debug("subscription to undeclared topic ignored", metadata: ["session": "\(sessionId)", "topic": "\(uri.prefix(120))"])
            return
        }
        guard let command = services.broker.categories.category(resolved.category)?.accessCheckCommand,
              let checker = services.accessChecker else {
            _ = loopBroker.subscribe(self, uri: uri, spelling: spelling)
            return
        }
        // A subscribe that cannot be checked is refused where the client sees it (WAMP v1 has
        // no error reply): 1013 "try again later", never a silent drop (Docs/security.md).
        guard pendingChecks < Int32(clamping: services.maxPendingChecksPerSession) else {
            return refuseUncheckable(queueFull: false, "too many access checks in flight (limit \(services.maxPendingChecksPerSession))")
        }
        // The access check runs a process: off the loop, then back onto it.
        let loop = webSocket.connection.loop
        pendingChecks += 1
        checker.decide(command: command, userId: userId, params: resolved.params) { [self] decision in
            loop.execute { [self] in
                pendingChecks -= 1
                guard open else { return }
                switch decision {
                case .allowed:
                    _ = loopBroker.subscribe(self, uri: uri, spelling: spelling)
                case .unavailable:
                    refuseUncheckable(queueFull: true, "access checks are busy")
                case .denied, .failed:
                    services.log.info("subscription refused by access check", metadata: ["session": "\(sessionId)", "topic": "\(uri.prefix(120))"])
                }
            }
        }
    }

    private func refuseUncheckable(queueFull: Bool, _ why: String) {
        services.counters.accessCheckUnavailable(queueFull: queueFull)
        if let suppressed = services.counters.logThrottle.admit("access_check_unavailable") {
            services.log.info("session closed: subscription could not be checked", metadata: [
                "session": "\(sessionId)", "user": "\(userId)", "reason": "\(why)", "suppressed": "\(suppressed)"])
        }
        close(.tryAgainLater, reason: "try again later: \(why)")
    }

    private func publish(_ spelling: String, _ event: JSONValue, _ options: WAMPPublishOptions) {
        // EspoCRM's client sends PUBLISH ["", ""] every 60 s as a keep-alive.
        if spelling.isEmpty { return }
        guard let uri = expand(spelling) else { return }
        guard let resolved = services.broker.categories.resolve(uri),
              services.broker.categories.category(resolved.category)?.clientPublish == true else {
            close(.policyViolation, reason: "publishing to '\(uri.prefix(60))' is not allowed from clients")
            return
        }
        var exclude: Set<String> = []
        var eligible: Set<String>?
        switch options {
        case .none, .excludeMe(false): break
        case .excludeMe(true): exclude = [sessionId]
        case .lists(let ex, let el):
            exclude = Set(ex)
            eligible = el.map(Set.init)
        }
        do {
            let publication = try services.publisher.prepare(topic: uri, payload: event, exclude: exclude, eligible: eligible)
            services.publisher.publish([publication])
        } catch {
            close(.policyViolation, reason: error.message)
        }
    }

    package func close(_ code: CloseCode, reason: String) {
        webSocket.close(code, reason: reason)
    }

    package func closeAsSlowConsumer() {
        services.counters.slowConsumer()
        services.log.info("closing slow consumer", metadata: ["session": "\(sessionId)", "queued": "\(webSocket.connection.queuedBytes)"])
        webSocket.close(.policyViolation, reason: "slow consumer: send buffer full")
    }
}

/// What a WAMP session needs from the rest of the server.
package struct WAMPServices: Sendable {
    /// The services behind one reference, so each session holds a pointer, not a copy.
    package final class Shared: Sendable {
        package let services: WAMPServices
        /// Every session's `PrefixTable` bounds, held once here instead of in each table.
        package let prefixLimits: PrefixTable.Limits
        /// Where the sessions' reservations (`limits.maxSessionsPerUser`) come from.
        package let sessionQuota: UserSessionQuota?
        package init(_ services: WAMPServices, sessionQuota: UserSessionQuota? = nil) {
            self.services = services
            self.sessionQuota = sessionQuota
            prefixLimits = PrefixTable.Limits(maxPrefixes: services.maxPrefixesPerSession, maxURIBytes: services.maxTopicBytes)
        }
    }

    package let broker: Broker
    /// A client's PUBLISH goes through the same entry point as every other source.
    package let publisher: Publisher
    package let accessChecker: AccessChecker?
    package let counters: Counters
    package let log: Logger
    package var maxSubscriptionsPerSession = 256
    package var maxTopicBytes = 1024
    package var maxPrefixesPerSession = PrefixTable.capacity
    /// Access checks one session may have unanswered (`accessCheck.maxPendingPerSession`).
    package var maxPendingChecksPerSession = 32

    package init(broker: Broker, publisher: Publisher, accessChecker: AccessChecker?, counters: Counters, log: Logger,
                 maxSubscriptionsPerSession: Int = 256, maxTopicBytes: Int = 1024,
                 maxPrefixesPerSession: Int = PrefixTable.capacity, maxPendingChecksPerSession: Int = 32) {
        self.broker = broker
        self.publisher = publisher
        self.accessChecker = accessChecker
        self.counters = counters
        self.log = log
        self.maxSubscriptionsPerSession = maxSubscriptionsPerSession
        self.maxTopicBytes = maxTopicBytes
        self.maxPrefixesPerSession = maxPrefixesPerSession
        self.maxPendingChecksPerSession = maxPendingChecksPerSession
    }
}
