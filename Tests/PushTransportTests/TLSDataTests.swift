import COpenSSL
import Glibc
import PushTransport
import Testing

@Suite struct TLSDataTests {
    private func connected() throws -> TLSTestSupport.Connected {
        let directory = try TLSTemporaryDirectory()
        let identity = try TLSServerIdentity(in: directory)
        let client = try TLSContext.client(verifyPeer: true, caFile: identity.certPath)
        let connection = try TLSTestSupport.connect(client: client, server: identity)
        try #require(connection.clientProgress == .complete)
        try #require(connection.serverProgress == .complete)
        return connection
    }

    @Test func roundTrip_deliversExactBytes_bothWays() throws {
        let connection = try connected()
        let request = Array("ping from client".utf8)
        let reply = Array("pong from server".utf8)

        let atServer = try TLSTestSupport.transfer(request, from: connection.client, to: connection.server)
        let atClient = try TLSTestSupport.transfer(reply, from: connection.server, to: connection.client)

        #expect(atServer.received == request)
        #expect(atClient.received == reply)
    }

    @Test func roundTrip_oneMiB_survivesPartialWritesAndWouldBlock() throws {
        let connection = try connected()
        let payload = TLSTestSupport.pattern(1 << 20)

        let toServer = try TLSTestSupport.transfer(payload, from: connection.client, to: connection.server)
        let toClient = try TLSTestSupport.transfer(payload, from: connection.server, to: connection.client)

        #expect(toServer.received == payload)
        #expect(toClient.received == payload)
        // The socket buffer is far smaller than 1 MiB: the writer must have been told to wait.
        #expect(toServer.wantWriteCount > 0)
        #expect(toServer.partialWriteCount > 0)
        #expect(toClient.wantWriteCount > 0)
    }

    @Test func read_reportsBufferedPlaintext_whenCallerBufferIsSmallerThanRecord() throws {
        let connection = try connected()
        let message = TLSTestSupport.pattern(1000)
        let sent = message.withUnsafeBytes { connection.client.write($0) }
        #expect(sent == .wrote(1000))

        var small = [UInt8](repeating: 0, count: 100)
        let first = small.withUnsafeMutableBytes { connection.server.read(into: $0) }

        #expect(first == .bytes(100))
        #expect(Array(small) == Array(message[0..<100]))
        // 900 bytes wait inside OpenSSL; the socket itself has nothing left to signal.
        #expect(connection.server.hasBufferedPlaintext)
        var rest = [UInt8](repeating: 0, count: 2000)
        #expect(rest.withUnsafeMutableBytes { connection.server.read(into: $0) } == .bytes(900))
        #expect(Array(rest[0..<900]) == Array(message[100...]))
        #expect(!connection.server.hasBufferedPlaintext)
    }

    @Test func read_returnsWantRead_whenNothingArrived() throws {
        let connection = try connected()

        #expect(TLSTestSupport.readOnce(connection.server) == .wantRead)
    }

    @Test func shutdown_makesPeerReadReturnClosed() throws {
        let connection = try connected()

        connection.client.shutdown()

        #expect(TLSTestSupport.readOnce(connection.server) == .closed)
        #expect(ERR_peek_error() == 0)
    }

    @Test func read_returnsClosed_whenPeerVanishesWithoutCloseNotify() throws {
        let connection = try connected()
        // The client reads the server's session tickets first, so its close is a plain EOF.
        #expect(TLSTestSupport.readOnce(connection.client) == .wantRead)

        connection.sockets.close(connection.sockets.clientFD)

        #expect(TLSTestSupport.readOnce(connection.server) == .closed)
    }

    /// SIGPIPE is not ignored in this process: a write(2) instead of send(MSG_NOSIGNAL) would kill the runner.
    @Test func write_fails_whenPeerIsGone_withoutSIGPIPE() throws {
        let connection = try connected()
        #expect(TLSTestSupport.readOnce(connection.client) == .wantRead)
        connection.sockets.close(connection.sockets.clientFD)

        let result = Array("late event".utf8).withUnsafeBytes { connection.server.write($0) }

        #expect(result == .failed("TLS write failed: Broken pipe"))
    }

    @Test func shutdown_isHarmless_beforeHandshake() throws {
        let directory = try TLSTemporaryDirectory()
        let identity = try TLSServerIdentity(in: directory)
        let sockets = try TLSSocketPair()
        let server = try #require(identity.context.makeServerSession(fd: sockets.serverFD))

        server.shutdown()

        #expect(ERR_peek_error() == 0)
        var byte: UInt8 = 0
        #expect(read(sockets.clientFD, &byte, 1) == -1, "nothing may be sent before a handshake")
    }
}
