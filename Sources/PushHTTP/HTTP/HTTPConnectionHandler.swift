import PushCodec
import PushTransport

/// The first stage of every connection: parses HTTP/1.1 requests (keep-alive, pipelining),
/// answers them in order through the router, and hands an accepted upgrade to `WebSocketHandler`.
/// Loop-confined like the connection it serves: every method runs on the connection's loop
/// thread; closures that leave the loop come back through `loop.execute` before touching state.
///
/// Deadlines and output limits are the connection's (`ConnectionPolicy`); this handler only says
/// which phase it is in: `.handshake` while a request is arriving, `.busy` while answers are
/// owed (restarted by each answer), `.idle` between requests. It answers no buffered request
/// while the connection's output is congested, so a client that pipelines and never reads
/// stops costing memory at the high watermark.
package final class HTTPConnectionHandler: ConnectionHandler, @unchecked Sendable {
    /// Requests answered concurrently per connection (pipelining); more wait unread.
    package static let maxInFlight = 64
    /// Requests one connection may start per loop turn; the rest wait for the next turn, so
    /// peers that pipeline without end cannot spend a turn among themselves (Docs/security.md).
    package static let maxRequestsPerTurn = 8
    /// Answers a peer may leave untaken (ours queued plus the kernel's) before its next
    /// request waits: a peer that pipelines and never reads stops costing work here, well
    /// before the connection's output watermark (the kernel's buffer hides a lot).
    package static let maxUntakenAnswerBytes = 64 * 1024

    private let context: ServerContext
    private var parser: HTTPParser
    /// The connection's stage (answers owed, upgrade, reading holds, turn budget); loop-confined.
    private var state = HTTPPipelineState(maxInFlight: maxInFlight, maxRequestsPerTurn: maxRequestsPerTurn,
                                          maxUntakenAnswerBytes: maxUntakenAnswerBytes)

    package init(context: ServerContext) {
        self.context = context
        self.parser = HTTPParser(limits: context.httpLimits)
    }

    package func connection(_ connection: Connection, didRead bytes: UnsafeMutableRawBufferPointer) {
        parser.append(UnsafeRawBufferPointer(bytes))
        state.bytesArrived()
        // The first byte of a keep-alive request starts its (handshake-long) arrival deadline.
        if connection.phase == .idle { connection.enter(.handshake) }
        processRequests(connection)
    }

    package func connectionOutputDrained(_ connection: Connection) {
        processRequests(connection)
    }

    package func connectionDidClose(_ connection: Connection) {}

    package func connectionTick(_ connection: Connection, now: UInt64) {
        guard case .process(let resume) = state.tick(unsentBytes: connection.unsentBytes) else { return }
        if resume { connection.resumeReading() }
        processRequests(connection)
    }

    /// Requests already received are answered (asynchronous ones too, like the webhook's
    /// commit); then the connection closes. A WebSocket upgrade needs the peer's input: over.
    package func connectionInputEnded(_ connection: Connection) -> Bool {
        guard state.peerInputEnded() else { return false }
        processRequests(connection)
        return true
    }

    private func perform(_ reading: HTTPPipelineState.Reading?, _ connection: Connection) {
        switch reading {
        case .pause: connection.pauseReading()
        case .resume: connection.resumeReading()
        case nil: break
        }
    }

    /// Set while `processRequests` runs: an answer computed inline calls back into it, and with
    /// thousands of pipelined requests that recursion would overflow the stack.
    private var processing = false
    private var processAgain = false

    /// Parses every buffered request and starts answering each at once (up to `maxInFlight`);
    /// answers are written in request order by `sendReadyResponses`. Not reentrant: a nested
    /// call only asks the running one for another pass.
    private func processRequests(_ connection: Connection) {
        if processing {
            processAgain = true
            return
        }
        processing = true
        defer { processing = false }
        repeat {
            processAgain = false
            processBufferedRequests(connection)
        } while processAgain && connection.state == .open && connection.handler === self
    }

    private func processBufferedRequests(_ connection: Connection) {
        state.turnStarted(connection.loop.turn)
        perform(state.checkPeer(bufferedBytes: parser.hasBufferedBytes, unsentBytes: connection.unsentBytes), connection)
        parsing: while connection.state == .open {
            switch state.nextStep(bufferedBytes: parser.hasBufferedBytes, outputCongested: connection.isOutputCongested) {
            case .stop: break parsing
            case .yieldTurn:
                yieldTurn(connection)
                break parsing
            case .parse: break
            }
            let request: HTTPRequest
            do {
                guard let next = try parser.next() else {
                    state.parserDrained()
                    break
                }
                request = next
            } catch {
                context.counters.httpRejected(status: error.status)
                state.requestRejected(.error(error))
                break
            }
            if WebSocketHandshake.isUpgradeRequest(request.head) {
                state.upgradeParsed(request)
                break
            }
            let id = state.requestParsed(keepAlive: request.head.keepAlive)
            // Answers computed on the loop (a publish) are written in the same turn, before the
            // fan-out it caused; answers from other threads hop back.
            context.router.handle(request, from: connection) { [self] response in
                connection.loop.executeNowIfOnLoop { [self] in
                    guard connection.state == .open else { return }
                    state.answerReady(id, response)
                    sendReadyResponses(connection)
                }
            }
        }
        // Backpressure: with the pipeline full (or an upgrade deciding), stop reading.
        perform(state.parseLoopEnded(), connection)
        if state.busy && connection.phase != .busy { connection.enter(.busy) }
        sendReadyResponses(connection)
        // After a half-close, once no answer is owed and no complete request is left (queued
        // answers are flushed first).
        if state.shouldCloseAfterHalfClose && connection.state == .open { connection.closeAfterFlush() }
    }

    /// The turn's budget is spent with requests still buffered: read nothing more (the parser
    /// holds at most what was read so far) and go on in the next turn, after the others.
    private func yieldTurn(_ connection: Connection) {
        connection.pauseReading()
        connection.loop.executeNextTurn { [self] in
            let reading = state.turnResumed()
            guard connection.state == .open, connection.handler === self else { return }
            perform(reading, connection)
            processRequests(connection)
        }
    }

    /// Writes the answers that are ready at the head of the pipeline, in order.
    private func sendReadyResponses(_ connection: Connection) {
        var progressed = false
        while connection.state == .open, let next = state.nextAnswer() {
            progressed = true
            respond(connection, next.answer, keepAlive: next.keepAlive)
        }
        guard connection.state == .open, progressed || state.inFlightCount == 0 else { return }
        switch state.upgradeIfDue() {
        case .close: return connection.close() // no input side left for a WebSocket
        case .begin(let request, let pause):
            if pause { connection.pauseReading() }
            return upgrade(connection, request)
        case nil: break
        }
        perform(state.answersSent(), connection)
        if progressed { processRequests(connection) }
    }

    private func respond(_ connection: Connection, _ response: HTTPResponse, keepAlive: Bool) {
        let closeAfter = !keepAlive || response.headers.containsToken("close", in: "Connection")
        connection.sendReply(SharedBytes(response.encode(keepAlive: !closeAfter)))
        if closeAfter {
            state.closing()
            connection.closeAfterFlush()
        } else if state.inFlightCount > 0 {
            connection.enter(.busy) // progress: the next answer gets a fresh deadline
        } else {
            connection.enter(parser.hasBufferedBytes ? .handshake : .idle)
        }
    }

    private func upgrade(_ connection: Connection, _ request: HTTPRequest) {
        let upgradeRequest: WebSocketHandshake.UpgradeRequest
        switch WebSocketHandshake.validate(request.head) {
        case .success(let valid): upgradeRequest = valid
        case .failure(let error):
            context.counters.handshake(.rejected)
            respond(connection, .error(error), keepAlive: false)
            return
        }
        context.router.upgrade(request, upgradeRequest, from: connection) { [self] decision in
            connection.loop.execute { [self] in
                guard connection.state == .open else { return }
                self.finishUpgrade(connection, request, upgradeRequest, decision)
            }
        }
    }

    private func finishUpgrade(_ connection: Connection, _ request: HTTPRequest,
                               _ upgradeRequest: WebSocketHandshake.UpgradeRequest, _ decision: UpgradeDecision) {
        perform(state.upgradeDecided(), connection)
        switch decision {
        case .reject(let error):
            context.counters.handshake(error.status == 401 ? .unauthorized : error.status == 403 ? .forbidden : .rejected)
            respond(connection, .error(error), keepAlive: false)
        case .accept(let subprotocol, let makeSession):
            let accept = WebSocketHandshake.acceptValue(forKey: upgradeRequest.key)
            connection.sendReply(SharedBytes(WebSocketHandshake.switchingProtocolsResponse(accept: accept, subprotocol: subprotocol)))
            context.counters.handshake(.accepted)
            connection.flushesFirst = false // from now on a subscriber: flushed with the fan-out
            let webSocket = WebSocketHandler(connection: connection, context: context)
            connection.handler = webSocket
            webSocket.session = makeSession(webSocket)
            webSocket.session?.webSocketDidOpen(webSocket)
            // Bytes the client sent right behind its upgrade request belong to the frame decoder.
            var leftover = parser.takeBufferedBytes()
            if !leftover.isEmpty, connection.state == .open {
                leftover.withUnsafeMutableBytes { webSocket.connection(connection, didRead: $0) }
            }
        }
    }
}

/// What the router decides about a WebSocket upgrade.
package enum UpgradeDecision: Sendable {
    case reject(HTTPError)
    /// Answer 101 (echoing `subprotocol` when set) and attach the session `make` builds.
    case accept(subprotocol: String?, make: @Sendable (WebSocketHandler) -> WebSocketSession)
}
