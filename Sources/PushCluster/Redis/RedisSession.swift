import PushCodec
import PushTransport

/// One TCP (or TLS) connection to Redis, from connect to close: greeting, replies matched to
/// commands in order, keep-alive and reply deadlines. `RedisConnection` makes a new one per
/// attempt, so a late event from an old socket can never touch a newer session.
///
/// Confinement: created and used on the owner's loop only (every call below arrives there:
/// transport callbacks, the loop's ticker, the owner's methods). `@unchecked Sendable` only so
/// the transport's `@Sendable` event closure may hold it; it is never touched off the loop.
final class RedisSession: OutboundConnectionHandler, @unchecked Sendable {
    typealias Completion = (Result<RESPValue, RedisError>) -> Void

    private struct Pending {
        let completion: Completion?
        let bytes: Int
        /// Counted against the owner's queue bounds (the owner's commands; not the greeting or PINGs).
        let counted: Bool
        let sentAt: UInt64
    }

    private let owner: RedisConnection
    private let configuration: RedisConfiguration
    private let address: SocketAddress
    private(set) var connection: Connection?
    private var decoder: RESPDecoder
    private var pending = FIFO<Pending>()
    /// Greeting replies still awaited (AUTH, SELECT, CLIENT SETNAME, PING); 0 once ready.
    private var greetingLeft = 0
    private(set) var isReady = false
    private var tcpConnected = false
    private var lastInput: UInt64 = 0
    /// Why this session ends, when we end it or the transport tells us before closing.
    private var endReason: String?
    private(set) var ended = false

    init(owner: RedisConnection, configuration: RedisConfiguration, address: SocketAddress) {
        self.owner = owner
        self.configuration = configuration
        self.address = address
        self.decoder = RESPDecoder(limits: configuration.limits)
    }

    /// Opens the socket; the greeting follows once TCP is up. Throws when the connect fails at once.
    func open(loop: EventLoop, group: LoopGroup, tls: TLSContext?) throws(OutboundConnectError) {
        let policy = ConnectionPolicy(handshakeSeconds: configuration.connectTimeout, closingSeconds: 1, drainingSeconds: 1,
                                      lingeringSeconds: 1, highWatermark: max(configuration.maxPendingBytes / 2, 64 << 10),
                                      lowWatermark: 16 << 10, sendBufferLimit: configuration.maxPendingBytes + (64 << 10))
        connection = try Connection.connect(
            to: address, on: loop, group: group, tls: tls, serverName: configuration.url.host, policy: policy, handler: self,
            onEvent: { [weak self] event in
                // Called on the loop, just before the transport closes the connection.
                if case .tlsHandshakeFailed(_, let reason) = event { self?.endReason = reason }
            })
        lastInput = loop.now()
    }

    private func greeting() -> [(name: String, bytes: SharedBytes)] {
        var commands: [(String, SharedBytes)] = []
        let url = configuration.url
        if let password = url.password {
            var arguments: [RESPArgument] = ["AUTH"]
            if let user = url.username { arguments.append(.string(user)) }
            arguments.append(.string(password))
            commands.append(("AUTH", RESPEncoder.command(arguments)))
        }
        if url.database != 0 { commands.append(("SELECT", RESPEncoder.command(["SELECT", .integer(Int64(url.database))]))) }
        if let name = configuration.clientName {
            commands.append(("CLIENT SETNAME", RESPEncoder.command(["CLIENT", "SETNAME", .string(name)])))
        }
        // Last: proves the peer speaks RESP before anything of ours is sent.
        commands.append(("PING", RESPEncoder.command(["PING"])))
        return commands
    }

    private func greetingReplied(_ name: String, _ result: Result<RESPValue, RedisError>) {
        switch result {
        case .failure(.server(let text)):
            end("\(name) refused: \(text)")
        case .failure:
            return // the session is ending already
        case .success:
            greetingLeft -= 1
            guard greetingLeft == 0, !ended, let connection else { return }
            isReady = true
            connection.enter(.established, until: connection.loop.now() + liveness)
            owner.sessionReady(self)
        }
    }

    /// Without input for this long the connection is dead: a PING was due and got no answer.
    private var liveness: UInt64 { MonotonicClock.seconds(configuration.keepAliveInterval + configuration.replyTimeout) }

    var pendingCount: Int { pending.count }

    // MARK: Commands

    /// Queues one encoded command; its reply goes to `completion`. False when the transport
    /// refused it (the connection is closing or its send buffer is full); nothing is queued then.
    @discardableResult
    func send(_ bytes: SharedBytes, counted: Bool = false, _ completion: Completion?) -> Bool {
        guard !ended, let connection, connection.send(bytes) else { return false }
        pending.append(Pending(completion: completion, bytes: bytes.count, counted: counted, sentAt: connection.loop.now()))
        return true
    }

    /// Ends the session: the transport closes the socket, and `connectionDidClose` reports to the owner.
    func end(_ reason: String) {
        guard !ended else { return }
        if endReason == nil { endReason = reason }
        connection?.close()
    }

    // MARK: ConnectionHandler

    /// The greeting is queued only now: a write before the connect finished could fail in its
    /// place and hide the connect's own reason.
    func connectionDidConnect(_ connection: Connection) {
        tcpConnected = true
        for command in greeting() {
            greetingLeft += 1
            send(command.bytes) { [weak self] result in self?.greetingReplied(command.name, result) }
        }
    }

    func connection(_ connection: Connection, connectFailed reason: String) { endReason = reason }

    func connection(_ connection: Connection, didRead bytes: UnsafeMutableRawBufferPointer) {
        decoder.append(UnsafeRawBufferPointer(bytes))
        lastInput = connection.loop.now()
        if isReady { connection.enter(.established, until: lastInput + liveness) }
        while !ended {
            let value: RESPValue
            do {
                guard let next = try decoder.next() else { return }
                value = next
            } catch {
                return end("Redis sent bytes that are not RESP2: \(error)")
            }
            if isReady, owner.isPush(value) {
                owner.deliverPush(value)
                continue
            }
            guard let head = pending.popFirst() else { return end("Redis sent a reply to no command") }
            if head.counted { owner.replyArrived(bytes: head.bytes) }
            if case .error(let text) = value {
                head.completion?(.failure(.server(text)))
            } else {
                head.completion?(.success(value))
            }
        }
    }

    func connectionTick(_ connection: Connection, now: UInt64) {
        guard isReady, !ended else { return }
        if let oldest = pending.first {
            if now &- oldest.sentAt > MonotonicClock.seconds(configuration.replyTimeout) {
                end("no reply from Redis within \(Self.seconds(configuration.replyTimeout))")
            }
        } else if now &- lastInput >= MonotonicClock.seconds(configuration.keepAliveInterval) {
            send(RESPEncoder.command(["PING"]), nil)
        }
    }

    func connectionDeadlinePassed(_ connection: Connection, phase: ConnectionPhase) {
        // Leaving phase and deadline as they are makes the transport close the connection.
        if phase == .handshake {
            let timeout = Self.seconds(configuration.connectTimeout)
            endReason = endReason ?? (tcpConnected
                ? "no answer to the greeting from \(address) within \(timeout)"
                : "connect to \(address) timed out after \(timeout)")
        } else {
            endReason = endReason ?? "nothing from Redis within \(Self.seconds(configuration.keepAliveInterval + configuration.replyTimeout))"
        }
    }

    func connectionDidClose(_ connection: Connection) {
        guard !ended else { return }
        ended = true
        let reason = endReason ?? (tcpConnected ? "Redis closed the connection" : "connect to \(address) failed")
        let unanswered = pending.removeAll()
        owner.sessionEnded(self, reason: reason, unanswered: unanswered.map { ($0.completion, $0.counted ? $0.bytes : nil) })
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
