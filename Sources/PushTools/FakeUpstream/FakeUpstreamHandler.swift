import PushCodec
import PushServer
import PushTransport

/// One connection to the fake: parses requests in order and answers each from the shared state.
/// Loop-confined like its connection (every call arrives on `connection.loop`'s thread).
package final class FakeUpstreamHandler: ConnectionHandler, @unchecked Sendable {
    private let decide: @Sendable (HTTPRequest) -> FakeUpstreamAction
    private var parser = HTTPParser()
    /// A hung request: the connection stays open, unanswered, and reads nothing more.
    private var hanging = false

    package init(decide: @escaping @Sendable (HTTPRequest) -> FakeUpstreamAction) {
        self.decide = decide
    }

    package func connection(_ connection: Connection, didRead bytes: UnsafeMutableRawBufferPointer) {
        parser.append(UnsafeRawBufferPointer(bytes))
        while !hanging && connection.state == .open {
            let request: HTTPRequest
            do {
                guard let next = try parser.next() else { return }
                request = next
            } catch {
                send(connection, .error(error), keepAlive: false)
                return
            }
            switch decide(request) {
            case .respond(let response):
                send(connection, response, keepAlive: request.head.keepAlive)
            case .hang:
                hanging = true
                connection.pauseReading()
            case .close:
                connection.close()
            }
        }
    }

    package func connectionTick(_ connection: Connection, now: UInt64) {}

    package func connectionDidClose(_ connection: Connection) {}

    private func send(_ connection: Connection, _ response: HTTPResponse, keepAlive: Bool) {
        var response = response
        // The fake stands in for wwebjs-api: it must not answer as wamp-push (doctor tells them apart).
        if response.headers.first("Server") == nil { response.headers.add("Server", "fake-wwebjs-api") }
        connection.sendReply(SharedBytes(response.encode(keepAlive: keepAlive)))
        if !keepAlive { connection.closeAfterFlush() }
    }
}
