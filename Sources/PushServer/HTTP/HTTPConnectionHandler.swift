import PushCodec
import PushTransport

/// The first stage of every connection: parses HTTP/1.1 requests (keep-alive, pipelining),
/// answers them in order through the router, and hands an accepted upgrade to `WebSocketHandler`.
/// Loop-confined like the connection it serves: every method runs on `connection.loop.queue`;
/// closures that leave the loop come back through `loop.execute` before touching state.
final class HTTPConnectionHandler: ConnectionHandler, @unchecked Sendable {
    private let context: ServerContext
    private var parser: HTTPParser
    /// A request is being answered; later pipelined requests wait in the parser's buffer.
    private var busy = false
    private var deadline: UInt64

    init(context: ServerContext) {
        self.context = context
        self.parser = HTTPParser(limits: context.httpLimits)
        self.deadline = MonotonicClock.now() + context.handshakeTimeout
    }

    func connection(_ connection: Connection, didRead bytes: UnsafeMutableRawBufferPointer) {
        parser.append(UnsafeRawBufferPointer(bytes))
        processRequests(connection)
    }

    func connectionTick(_ connection: Connection, now: UInt64) {
        // While a request is being answered (an upstream call may take its own timeout), the
        // connection is ours to keep open; the clock restarts once the answer is queued.
        guard !busy, now >= deadline, connection.state == .open else { return }
        // An unfinished request or upgrade past its deadline, or an idle keep-alive connection.
        context.log.debug("closing idle or slow HTTP connection", metadata: ["peer": "\(connection.peer?.description ?? "?")"])
        connection.close()
    }

    func connectionDidClose(_ connection: Connection) {}

    private func processRequests(_ connection: Connection) {
        while !busy && connection.state == .open {
            let request: HTTPRequest
            do {
                guard let next = try parser.next() else { return }
                request = next
            } catch {
                context.counters.httpRejected(status: error.status)
                respond(connection, .error(error), keepAlive: false)
                return
            }
            busy = true
            // Backpressure: while a request is answered (possibly off the loop), stop reading;
            // pipelined bytes already read wait in the parser.
            connection.pauseReading()
            if WebSocketHandshake.isUpgradeRequest(request.head) {
                upgrade(connection, request)
                return
            }
            let keepAlive = request.head.keepAlive
            context.router.handle(request, from: connection) { [self] response in
                connection.loop.execute { [self] in
                    guard connection.state == .open else { return }
                    self.busy = false
                    self.respond(connection, response, keepAlive: keepAlive)
                    connection.resumeReading()
                    self.processRequests(connection)
                }
            }
        }
    }

    private func respond(_ connection: Connection, _ response: HTTPResponse, keepAlive: Bool) {
        let closeAfter = !keepAlive || response.headers.containsToken("close", in: "Connection")
        connection.sendUnbounded(SharedBytes(response.encode(keepAlive: !closeAfter)))
        if closeAfter {
            connection.closeAfterFlush()
        } else {
            deadline = MonotonicClock.now() + context.keepAliveIdleTimeout
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
        connection.resumeReading()
        switch decision {
        case .reject(let error):
            context.counters.handshake(error.status == 401 ? .unauthorized : error.status == 403 ? .forbidden : .rejected)
            respond(connection, .error(error), keepAlive: false)
        case .accept(let subprotocol, let makeSession):
            let accept = WebSocketHandshake.acceptValue(forKey: upgradeRequest.key)
            connection.sendUnbounded(SharedBytes(WebSocketHandshake.switchingProtocolsResponse(accept: accept, subprotocol: subprotocol)))
            context.counters.handshake(.accepted)
            let socket = WebSocketHandler(connection: connection, context: context)
            connection.handler = socket
            socket.session = makeSession(socket)
            socket.session?.webSocketDidOpen(socket)
            // Bytes the client sent right behind its upgrade request belong to the frame decoder.
            var leftover = parser.takeBufferedBytes()
            if !leftover.isEmpty, connection.state == .open {
                leftover.withUnsafeMutableBytes { socket.connection(connection, didRead: $0) }
            }
        }
    }
}

/// What the router decides about a WebSocket upgrade.
enum UpgradeDecision: Sendable {
    case reject(HTTPError)
    /// Answer 101 (echoing `subprotocol` when set) and attach the session `make` builds.
    case accept(subprotocol: String?, make: @Sendable (WebSocketHandler) -> WebSocketSession)
}
