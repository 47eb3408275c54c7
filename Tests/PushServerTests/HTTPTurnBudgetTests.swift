import Foundation
import Logging
import PushCodec
import PushConfig
import PushHTTP
import PushObservability
import PushTransport
import Synchronization
import Testing

/// Issue 15 (slow-reader soak): one connection that pipelines without end gets a bounded share
/// of a loop turn, so another connection ready in the same turn is served before its backlog.
@Suite struct HTTPTurnBudgetTests {
    /// Lets every request through: the test is about scheduling, not access.
    struct Anyone: RouteAuthorizer {
        func resolve(_ access: RouteAccess, _ request: HTTPRequest, peer: SocketAddress?,
                     _ completion: @escaping @Sendable (Result<Principal, HTTPError>) -> Void) {
            completion(.success(.anonymous))
        }
    }

    @Test func pipelinedBacklog_doesNotHoldUpAnotherConnectionReadyInTheSameTurn() throws {
        let gateEntered = DispatchSemaphore(value: 0), gateOpen = DispatchSemaphore(value: 0)
        let order = Mutex<[String]>([])
        let router = Router(policy: Anyone()) { r in
            // Answered on the loop thread: holding it lets both clients' bytes queue up.
            r.add("GET", "/gate", .anyone, ClosureRoute { _, _, respond in
                gateEntered.signal()
                gateOpen.wait()
                respond(.text(200, "gate"))
            })
            for path in ["/a", "/b"] {
                r.add("GET", path, .anyone, ClosureRoute { _, _, respond in
                    order.withLock { $0.append(path) }
                    respond(.text(200, path))
                })
            }
        }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let context = ServerContext(config: ServerConfig(), router: router, log: logger, counters: Counters())
        let group = LoopGroup(loopCount: 1)
        let listener = try Listener(.init(address: try SocketAddress.parse("127.0.0.1:0")), group: group) { connection in
            connection.flushesFirst = true
            return HTTPConnectionHandler(context: context)
        }
        listener.start()
        defer { listener.stop(); group.shutdown() }

        let address = listener.boundAddress
        let a = try StalledPeer(address, receiveBuffer: nil), b = try StalledPeer(address, receiveBuffer: nil)
        let gate = try StalledPeer(address, receiveBuffer: nil)
        // Both connections accepted and served once before the loop is held.
        for (peer, path) in [(a, "/a"), (b, "/b")] {
            peer.send(Array("GET \(path) HTTP/1.1\r\nHost: t\r\n\r\n".utf8))
            #expect(peer.read(until: path).contains("200 OK"))
        }
        order.withLock { $0.removeAll() }
        gate.send(Array("GET /gate HTTP/1.1\r\nHost: t\r\n\r\n".utf8))
        #expect(gateEntered.wait(timeout: .now() + 5) == .success)
        let backlog = 200
        a.send(Array(String(repeating: "GET /a HTTP/1.1\r\nHost: t\r\n\r\n", count: backlog).utf8))
        b.send(Array("GET /b HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".utf8))
        gateOpen.signal()
        #expect(b.read(until: "\r\n\r\n/b").contains("200 OK"))
        var answered = 0
        var text = ""
        while answered < backlog {
            let chunk = a.read(until: "\r\n\r\n/a")
            if chunk.isEmpty { break }
            text += chunk
            answered = text.components(separatedBy: "\r\n\r\n/a").count - 1
        }
        #expect(answered == backlog)
        let seen = order.withLock { $0 }
        let bAt = seen.firstIndex(of: "/b") ?? seen.count
        // A's backlog arrived first; before, all 200 were answered ahead of B's one request.
        // Now A gets at most HTTPConnectionHandler.maxRequestsPerTurn (8) per turn.
        #expect(bAt <= 16, "B's request was handled after \(bAt) of A's")
    }
}
