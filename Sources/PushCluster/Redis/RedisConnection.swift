import Dispatch
import Logging
import PushCodec
import PushTransport

/// A Redis client connection that stays up by itself: it connects (TLS for `rediss://`), logs in
/// (`AUTH`), selects the database, keeps the link alive with `PING`, and after any failure
/// reconnects with capped, jittered exponential backoff. Each state change is reported once
/// through `onStateChange` and logged.
///
/// Commands are pipelined; replies come back in order to their completions. Commands sent while
/// the first connect is under way wait for it; while Redis is down they fail at once
/// (`notConnected`); past `maxPendingCommands`/`maxPendingBytes` they fail at once (`queueFull`,
/// counted in `droppedCommands`). A connection lost with commands in flight fails them
/// (`connectionLost`): nothing is replayed, so nothing runs twice.
///
/// Confinement: every `var` here is touched only on `loop`'s thread. Every method must be called
/// there (checked), and every callback (state, completions, pushes) runs there; other threads use
/// `loop.execute`. That is what the `@unchecked Sendable` promises. `stop()` ends it for good.
public final class RedisConnection: @unchecked Sendable {
    public typealias Completion = (Result<RESPValue, RedisError>) -> Void

    public let configuration: RedisConfiguration
    public let loop: EventLoop
    public private(set) var state: RedisConnectionState = .down("not started")
    /// Commands refused because the queue was full, since start.
    public private(set) var droppedCommands = 0
    /// Commands refused because Redis was down, since start.
    public private(set) var refusedCommands = 0
    /// Successful connects (the first one included).
    public private(set) var connects = 0

    /// Where state changes go (set before `start`); a subscriber puts itself in between.
    var onStateChange: (RedisConnectionState) -> Void
    /// Set by a subscriber: which values are pushes (pub/sub messages) rather than replies.
    var pushFilter: ((RESPValue) -> Bool)?
    var onPush: ((RESPValue) -> Void)?

    private let group: LoopGroup
    private let logger: Logger?
    private var session: RedisSession?
    /// Commands sent before the first connect finished, waiting for it.
    private var waiting: [(bytes: SharedBytes, completion: Completion?)] = []
    /// Waiting plus sent-and-unanswered: the two numbers the queue bounds apply to.
    private var outstandingCount = 0
    private var outstandingBytes = 0
    private var backoff: RedisBackoff
    private var retryTimer: LoopTimer?
    private var attempt = 0
    private var started = false
    private var stopped = false

    /// `logger` gets one line per state change (nil: none). Nothing happens before `start()`.
    public init(configuration: RedisConfiguration, loop: EventLoop, group: LoopGroup, logger: Logger? = nil,
                onStateChange: @escaping (RedisConnectionState) -> Void = { _ in }) {
        self.configuration = configuration
        self.loop = loop
        self.group = group
        self.logger = logger
        self.onStateChange = onStateChange
        self.backoff = RedisBackoff(first: configuration.reconnectDelay, cap: configuration.maxReconnectDelay)
    }

    /// Commands waiting for a reply (or for the first connect).
    public var pendingCommands: Int { outstandingCount }

    /// Starts connecting. Loop thread only.
    public func start() {
        loop.preconditionOnLoop()
        guard !started, !stopped else { return }
        started = true
        change(to: .connecting)
        connect()
    }

    /// Closes the connection, stops reconnecting and fails whatever waits with `stopped`.
    /// Reports `down("stopped")`; nothing is reported after it. Loop thread only.
    public func stop() {
        loop.preconditionOnLoop()
        guard !stopped else { return }
        stopped = true
        retryTimer?.cancel()
        retryTimer = nil
        session?.end("stopped")
        session = nil
        failWaiting(.stopped)
        change(to: .down("stopped"))
    }

    /// Sends one command. `completion` gets the reply (an error reply as `.server`) on the loop,
    /// or the reason there is none. Returns false when the command was refused at once (the
    /// completion has then been called already). Loop thread only.
    @discardableResult
    public func send(_ arguments: [RESPArgument], completion: Completion? = nil) -> Bool {
        send(RESPEncoder.command(arguments), completion: completion)
    }

    /// Sends an already encoded command (`RESPEncoder.command`), e.g. one shared by several sends.
    @discardableResult
    public func send(_ command: SharedBytes, completion: Completion? = nil) -> Bool {
        loop.preconditionOnLoop()
        if stopped { return refuse(.stopped, completion) }
        if case .down(let reason) = state {
            refusedCommands += 1
            return refuse(.notConnected(reason), completion)
        }
        guard outstandingCount < configuration.maxPendingCommands,
              outstandingBytes + command.count <= configuration.maxPendingBytes else {
            droppedCommands += 1
            return refuse(.queueFull, completion)
        }
        if state == .up, let session {
            guard session.send(command, counted: true, completion) else {
                droppedCommands += 1
                return refuse(.queueFull, completion)
            }
        } else {
            waiting.append((command, completion))
        }
        outstandingCount += 1
        outstandingBytes += command.count
        return true
    }

    private func refuse(_ error: RedisError, _ completion: Completion?) -> Bool {
        completion?(.failure(error))
        return false
    }

    // MARK: Attempts

    private func connect() {
        guard !stopped else { return }
        attempt += 1
        let current = attempt
        let url = configuration.url
        if let address = try? SocketAddress(host: url.host == "localhost" ? "127.0.0.1" : url.host, port: url.port) {
            return open(address)
        }
        // A name: looked up off the loop (getaddrinfo blocks), within the connect timeout.
        let deadline = loop.schedule(after: configuration.connectTimeout) { [self] in
            guard current == attempt, session == nil, !stopped else { return }
            attemptFailed("resolve \(url.host): no answer within \(RedisSession.seconds(configuration.connectTimeout))")
        }
        DispatchQueue.global().async { [self] in
            let result = HostResolver.resolve(url.host, port: url.port)
            loop.execute { [self] in
                guard current == attempt, !deadline.isCancelled, session == nil, !stopped else { return }
                deadline.cancel()
                switch result {
                case .success(let addresses): open(addresses[(connects + backoff.failures) % addresses.count])
                case .failure(let error): attemptFailed(error.description)
                }
            }
        }
    }

    private func open(_ address: SocketAddress) {
        var tls: TLSContext?
        if configuration.url.isTLS {
            do {
                tls = try configuration.tls ?? TLSContext.client(verifyPeer: true)
            } catch {
                return attemptFailed("TLS client context: \(error)")
            }
        }
        let session = RedisSession(owner: self, configuration: configuration, address: address)
        do {
            try session.open(loop: loop, group: group, tls: tls)
        } catch {
            return attemptFailed(error.description)
        }
        self.session = session
    }

    /// An attempt ended without a session (refused at once, lookup failed): try again later.
    private func attemptFailed(_ reason: String) {
        failWaiting(.connectionLost(reason))
        change(to: .down(reason))
        scheduleRetry()
    }

    private func scheduleRetry() {
        guard !stopped else { return }
        let delay = backoff.nextDelay()
        retryTimer = loop.schedule(after: delay) { [self] in
            retryTimer = nil
            connect()
        }
    }

    // MARK: From the session

    func sessionReady(_ ready: RedisSession) {
        guard ready === session else { return }
        connects += 1
        backoff.reset()
        let queued = waiting
        waiting = []
        for command in queued where !ready.send(command.bytes, counted: true, command.completion) {
            release(command.bytes.count)
            droppedCommands += 1
            command.completion?(.failure(.queueFull))
        }
        change(to: .up)
    }

    /// `unanswered` lists what was in flight; `bytes` is nil for the session's own commands.
    func sessionEnded(_ ended: RedisSession, reason: String, unanswered: [(completion: Completion?, bytes: Int?)]) {
        for command in unanswered {
            if let bytes = command.bytes { release(bytes) }
            command.completion?(.failure(stopped ? .stopped : .connectionLost(reason)))
        }
        guard ended === session else { return }
        session = nil
        guard !stopped else { return }
        failWaiting(.connectionLost(reason))
        change(to: .down(reason))
        scheduleRetry()
    }

    func replyArrived(bytes: Int) { release(bytes) }

    func isPush(_ value: RESPValue) -> Bool { pushFilter?(value) ?? false }

    func deliverPush(_ value: RESPValue) { onPush?(value) }

    /// Ends the current session with `reason` (a subscriber whose SUBSCRIBE was refused); the
    /// usual reconnect follows.
    func drop(_ reason: String) { session?.end(reason) }

    // MARK: Private

    private func release(_ bytes: Int) {
        outstandingCount -= 1
        outstandingBytes -= bytes
    }

    private func failWaiting(_ error: RedisError) {
        let failed = waiting
        waiting = []
        for command in failed {
            release(command.bytes.count)
            command.completion?(.failure(error))
        }
    }

    private func change(to new: RedisConnectionState) {
        guard new != state else { return }
        let old = state
        state = new
        if let logger {
            let url = configuration.url.description
            switch new {
            case .connecting: logger.info("redis: connecting", metadata: ["url": "\(url)"])
            case .up: logger.info("redis: up", metadata: ["url": "\(url)", "connects": "\(connects)"])
            case .down(let reason) where stopped:
                logger.info("redis: stopped", metadata: ["url": "\(url)", "reason": "\(reason)"])
            case .down(let reason):
                logger.warning("redis: down", metadata: ["url": "\(url)", "reason": "\(reason)", "was": "\(old)"])
            }
        }
        onStateChange(new)
    }
}
