import CSystem
import Glibc
@testable import PushBroker
import PushCodec
@testable import PushServer
@testable import PushTransport
import Testing

/// What an idle, subscribed WAMP connection keeps on the heap (Docs/benchmarks.md, "Idle memory
/// per connection"), checked on real sessions of a server started here: after an event went out
/// and the queue drained, no queue array, no subscription table, no session-id block. The three
/// objects' sizes are printed, not asserted: malloc may hand out a larger free chunk than asked
/// for when other tests run alongside, so a byte budget here would be flaky.
@Suite struct IdleMemoryTests {
    /// Heap block sizes as malloc rounds them (glibc: usable size of each chunk).
    static func heapSize(_ object: AnyObject) -> Int { malloc_usable_size(Unmanaged.passUnretained(object).toOpaque()) }

    @Test func idleSubscribedSession_holdsOnlyItsObjects() throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "memory-user")
        let clients = try (0..<3).map { _ in try server.wamp(user: "memory-user", token: token) }
        for client in clients {
            try client.subscribe("newNotification")
            try client.roundTrip()
        }
        let publisher = server.server.publisher
        publisher.publish([try publisher.prepare(topic: "newNotification", payload: try JSONParser.parse(#"{"n":1}"#))])
        for client in clients { _ = try client.nextEvent() }
        for client in clients { try client.roundTrip() } // every queue has drained by now

        var seen = 0
        for loop in server.server.group.loops {
            let broker = server.server.broker.loopBroker(for: loop)
            let sizes: [(String, [Int])] = loop.sync {
                broker.sessions.map { session in
                    let connection = session.webSocket.connection
                    #expect(session.sessionId.utf8.count <= 15, "a longer id needs a heap block")
                    #expect(session.subscriptions.count == 1)
                    #expect(connection.outbound.isEmpty && connection.outbound.retainedCapacity == 0)
                    return (session.sessionId, [Self.heapSize(connection), Self.heapSize(session.webSocket), Self.heapSize(session)])
                }
            }
            for (id, blocks) in sizes {
                seen += 1
                print("idle connection \(id): Connection \(blocks[0]) B, WebSocketHandler \(blocks[1]) B, WAMPSession \(blocks[2]) B")
            }
        }
        #expect(seen == clients.count)
    }

}
