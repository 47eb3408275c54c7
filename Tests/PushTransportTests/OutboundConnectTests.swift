import Foundation
import Glibc
import PushCodec
import Synchronization
import Testing
@testable import PushTransport
import TestSupport

/// Records, on the loop, what an outbound connection's handler hears; read by the test thread.
final class OutboundProbe: OutboundConnectionHandler, Sendable {
    let events = Mutex<[String]>([])
    let received = Mutex<[UInt8]>([])

    func connectionDidConnect(_ connection: Connection) { note("connected") }
    func connection(_ connection: Connection, connectFailed reason: String) { note("failed: \(reason)") }
    func connection(_ connection: Connection, didRead bytes: UnsafeMutableRawBufferPointer) {
        received.withLock { $0.append(contentsOf: bytes) }
    }
    func connectionDeadlinePassed(_ connection: Connection, phase: ConnectionPhase) { note("deadline \(phase)") }
    func connectionDidClose(_ connection: Connection) { note("closed") }

    private func note(_ event: String) { events.withLock { $0.append(event) } }
    var all: [String] { events.withLock { $0 } }
    var bytes: [UInt8] { received.withLock { $0 } }
}

/// Starts an outbound connection on `group`'s first loop and sends `greeting` at once (before
/// the connect has finished).
func connectOut(_ group: LoopGroup, to address: SocketAddress, tls: TLSContext? = nil, serverName: String? = nil,
                policy: ConnectionPolicy = ConnectionPolicy(), greeting: [UInt8] = []) -> (OutboundProbe, Result<Connection, OutboundConnectError>) {
    let probe = OutboundProbe()
    let loop = group.loops[0]
    let result = loop.sync { () -> Result<Connection, OutboundConnectError> in
        Result { () throws(OutboundConnectError) in
            let connection = try Connection.connect(to: address, on: loop, group: group, tls: tls, serverName: serverName,
                                                    policy: policy, handler: probe)
            if !greeting.isEmpty { connection.send(SharedBytes(greeting)) }
            return connection
        }
    }
    return (probe, result)
}

@Suite struct OutboundConnectTests {
    @Test func plainConnect_sendsWhatWasQueuedBeforeItFinished() throws {
        let server = LoopGroup(loopCount: 1)
        defer { server.shutdown() }
        let listener = try startListener(server) { _ in RawEchoHandler() }
        defer { listener.stop() }
        let client = LoopGroup(loopCount: 1)
        defer { client.shutdown() }
        let (probe, result) = connectOut(client, to: listener.boundAddress, greeting: Array("hello outbound".utf8))
        let connection = try result.get()
        #expect(eventually { probe.bytes == Array("hello outbound".utf8) })
        #expect(probe.all == ["connected"])
        #expect(client.connectionCount == 1)
        client.loops[0].sync { connection.close() }
        #expect(probe.all == ["connected", "closed"])
        #expect(client.connectionCount == 0)
    }

    @Test func tlsConnect_handshakesAsClient_andVerifiesTheServer() throws {
        let directory = try TLSTemporaryDirectory()
        let identity = try TLSServerIdentity(in: directory)
        let server = LoopGroup(loopCount: 1)
        defer { server.shutdown() }
        let listener = try Listener(.init(address: try SocketAddress.parse("127.0.0.1:0"), tls: identity.context),
                                    group: server) { _ in RawEchoHandler() }
        listener.start()
        defer { listener.stop() }
        let client = LoopGroup(loopCount: 1)
        defer { client.shutdown() }
        let trusting = try TLSContext.client(verifyPeer: true, caFile: identity.certPath)
        let (probe, result) = connectOut(client, to: listener.boundAddress, tls: trusting, serverName: "localhost",
                                         greeting: Array("over TLS".utf8))
        let connection = try result.get()
        defer { client.loops[0].sync { connection.close() } }
        #expect(eventually { probe.bytes == Array("over TLS".utf8) })
        #expect(client.loops[0].sync { connection.isTLS })

        // A name the certificate does not hold: the handshake fails and the connection closes.
        let (wrong, wrongResult) = connectOut(client, to: listener.boundAddress, tls: trusting, serverName: "elsewhere.example",
                                              greeting: Array("never".utf8))
        _ = try wrongResult.get()
        #expect(eventually { wrong.all == ["connected", "closed"] })
        #expect(wrong.bytes.isEmpty)
    }

    @Test func refusedConnect_namesTheReason_andReleasesTheSlot() throws {
        let listener = try Socket.listen(on: SocketAddress(host: "127.0.0.1", port: 0))
        let address = try #require(Socket.localAddress(listener))
        Socket.close(listener) // nobody listens there now
        let client = LoopGroup(loopCount: 1)
        defer { client.shutdown() }
        let (probe, result) = connectOut(client, to: address)
        switch result {
        case .failure(let error):
            #expect(error.description == "connect \(address): Connection refused")
            #expect(probe.all.isEmpty)
        case .success:
            #expect(eventually { probe.all.count == 2 })
            #expect(probe.all == ["failed: connect \(address): Connection refused", "closed"])
        }
        #expect(eventually { client.connectionCount == 0 })
    }

    /// A listener whose accept queue is full drops SYNs: only the deadline ends the connect.
    @Test func unansweredConnect_endsAtTheHandshakeDeadline() throws {
        let listener = try Socket.listen(on: SocketAddress(host: "127.0.0.1", port: 0), backlog: 0)
        let address = try #require(Socket.localAddress(listener))
        var fillers: [Int32] = []
        defer { (fillers + [listener]).forEach { Socket.close($0) } }
        for _ in 0..<2 { fillers.append(try Socket.connect(to: address, nonBlocking: true)) }
        let client = LoopGroup(loopCount: 1)
        defer { client.shutdown() }
        let (probe, result) = connectOut(client, to: address, policy: ConnectionPolicy(handshakeSeconds: 0.3), greeting: [1])
        _ = try result.get()
        #expect(eventually { probe.all == ["deadline handshake", "closed"] })
        #expect(client.connectionCount == 0)
    }

    @Test func connectionBudget_coversOutboundConnections() throws {
        let server = LoopGroup(loopCount: 1)
        defer { server.shutdown() }
        let listener = try startListener(server) { _ in RawEchoHandler() }
        defer { listener.stop() }
        let client = LoopGroup(loopCount: 1, maxConnections: 1)
        defer { client.shutdown() }
        let (_, first) = connectOut(client, to: listener.boundAddress)
        let connection = try first.get()
        let (_, second) = connectOut(client, to: listener.boundAddress)
        #expect(second.failure?.description == "connect \(listener.boundAddress): the process holds its limit of 1 connections")
        client.loops[0].sync { connection.close() }
        let (_, third) = connectOut(client, to: listener.boundAddress)
        let again = try third.get()
        client.loops[0].sync { again.close() }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
