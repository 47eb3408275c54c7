import PushCodec
import PushTransport

/// An upgraded connection: frames in, messages to the session, and the close and ping policy of
/// RFC 6455. Loop-confined like its connection (unchecked Sendable: only its loop touches it).
///
/// Close policy: every close goes through `close(_:reason:)`, which sends the close frame once;
/// after that input is ignored except the peer's close reply, and the connection is closed after
/// the reply or when its `.closing` deadline passes. A close from the peer is answered with the
/// same code and the TCP side is closed by us, as RFC 6455 section 7.1.1 asks of servers.
///
/// Liveness is the `.established` deadline: a ping goes out every `pingInterval`, and the peer
/// must answer it before the next one is due; each pong moves the deadline on.
package final class WebSocketHandler: ConnectionHandler, @unchecked Sendable {
    package enum State { case open, closeSent, closed }

    package let connection: Connection
    package var session: WebSocketSession?
    private let context: ServerContext
    private var decoder: FrameDecoder
    private var assembler: MessageAssembler
    private var nextPingAt: UInt64
    private var pingCounter: UInt32 = 0
    /// After the wider fields, so they share their padding (idle memory, Docs/benchmarks.md).
    private(set) var state: State = .open
    /// A ping (`pingPayload`) is waiting for its pong. A flag, not the stored payload: 8 bytes
    /// less in every idle connection.
    private var pingOutstanding = false

    /// The payload of the latest ping: the connection id and the ping's number (never 0).
    private var pingPayload: UInt64 { (UInt64(truncatingIfNeeded: connection.id) << 32) | UInt64(pingCounter) | 1 }

    package init(connection: Connection, context: ServerContext) {
        self.connection = connection
        self.context = context
        self.decoder = FrameDecoder(maxFrameBytes: context.limits.maxFrameBytes, role: .server)
        self.assembler = MessageAssembler(maxMessageBytes: context.limits.maxMessageBytes)
        self.nextPingAt = connection.loop.now() + context.pingInterval
        connection.enter(.established, until: nextPingAt + context.pingInterval)
    }

    package var isOpen: Bool { if case .open = state { return true } else { return false } }

    // MARK: Sending

    /// Queues a shared data frame. False means the peer is too far behind: it has been closed
    /// with 1008 as a slow consumer.
    @discardableResult
    package func send(_ frame: SharedBytes) -> Bool {
        guard isOpen else { return false }
        if connection.send(frame) { return true }
        context.counters.slowConsumer()
        close(.policyViolation, reason: "slow consumer: send buffer full")
        return false
    }

    /// Queues a shared frame for fan-out without acting on overflow: false means the send buffer
    /// is full and the caller must close this socket (after it has finished walking its list).
    @inline(__always)
    package func enqueue(_ frame: SharedBytes) -> Bool {
        guard isOpen else { return true }
        return connection.send(frame)
    }

    package func sendText(_ text: String) {
        send(FrameEncoder.serverFrame(text: text))
    }

    /// Starts the closing handshake (once).
    package func close(_ code: CloseCode, reason: String) {
        guard isOpen else { return }
        let payload = FrameEncoder.closePayload(code: code, reason: reason)
        connection.sendReply(FrameEncoder.serverFrame(.close, payload: payload))
        state = .closeSent
        connection.enter(.closing)
        finishSession()
    }

    // MARK: ConnectionHandler

    package func connection(_ connection: Connection, didRead bytes: UnsafeMutableRawBufferPointer) {
        if case .closed = state { return }
        do {
            try decoder.decode(bytes) { header, payload in
                try self.assembler.push(header, payload) { event in try self.handle(event) }
            }
        } catch let error as WebSocketError {
            fail(error)
        } catch {
            fail(.protocolError("\(error)"))
        }
    }

    private func handle(_ event: WebSocketEvent) throws {
        switch event {
        case .text(let bytes):
            guard isOpen else { return }
            session?.webSocket(self, didReceiveText: bytes)
        case .binary(let bytes):
            guard isOpen else { return }
            session?.webSocket(self, didReceiveBinary: bytes)
        case .ping(let payload):
            guard isOpen else { return }
            connection.sendReply(FrameEncoder.serverFrame(.pong, payload: payload))
        case .pong(let payload):
            if pingOutstanding, payload.count == 8, payload.loadUnaligned(as: UInt64.self) == pingPayload {
                pingOutstanding = false
                if isOpen { connection.enter(.established, until: nextPingAt + context.pingInterval) }
            }
        case .close(let code, _):
            switch state {
            case .open:
                // Echo the peer's code (1000 when it sent none), then close our side.
                let reply = code.map { CloseCode(rawValue: $0) } ?? .normal
                let payload = code == nil ? [] : FrameEncoder.closePayload(code: reply, reason: "")
                connection.sendReply(FrameEncoder.serverFrame(.close, payload: payload))
                finishSession()
                state = .closed
                connection.closeAfterFlush()
            case .closeSent:
                state = .closed
                connection.closeAfterFlush()
            case .closed:
                break
            }
        }
    }

    private func fail(_ error: WebSocketError) {
        context.log.info("closing WebSocket", metadata: [
            "code": "\(error.closeCode.rawValue)", "reason": "\(error.reason)",
            "peer": "\(connection.peer?.description ?? "?")",
        ])
        if isOpen {
            close(error.closeCode, reason: error.reason)
        }
        // Input after a protocol error is not trusted: stop reading and close after the flush.
        state = .closed
        connection.closeAfterFlush()
    }

    package func connectionTick(_ connection: Connection, now: UInt64) {
        guard isOpen, now >= nextPingAt, !pingOutstanding else { return }
        pingCounter &+= 1
        pingOutstanding = true
        var payload = pingPayload
        let frame = withUnsafeBytes(of: &payload) { FrameEncoder.serverFrame(.ping, payload: $0) }
        connection.sendReply(frame)
        nextPingAt = now + context.pingInterval
        // The answer is due before the next ping.
        connection.enter(.established, until: nextPingAt)
    }

    package func connectionDeadlinePassed(_ connection: Connection, phase: ConnectionPhase) {
        guard phase == .established, isOpen else { return } // `.closing`: the connection closes
        context.log.debug("peer did not answer ping", metadata: ["peer": "\(connection.peer?.description ?? "?")"])
        close(.goingAway, reason: "ping timeout")
    }

    package func connectionDidClose(_ connection: Connection) {
        state = .closed
        finishSession()
    }

    private func finishSession() {
        let session = self.session
        self.session = nil
        session?.webSocketDidClose(self)
    }
}
