import COpenSSL
import Testing
import PushTransport
import Glibc

@Suite struct TLSHandshakeTests {
    @Test func handshake_completes_whenClientVerifiesGeneratedCertificateByHostname() throws {
        let directory = try TLSTemporaryDirectory()
        let identity = try TLSServerIdentity(in: directory)
        let client = try TLSContext.client(verifyPeer: true, caFile: identity.certPath)

        let connection = try TLSTestSupport.connect(client: client, server: identity, serverName: "localhost")

        #expect(connection.clientProgress == .complete)
        #expect(connection.serverProgress == .complete)
        #expect(connection.client.negotiatedProtocolVersion == "TLSv1.3")
        #expect(connection.server.negotiatedProtocolVersion == "TLSv1.3")
        #expect(connection.client.verifyResult == (true, "ok"))
    }

    @Test(arguments: ["127.0.0.1", "::1"])
    func handshake_completes_whenClientVerifiesGeneratedCertificateByIP(address: String) throws {
        let directory = try TLSTemporaryDirectory()
        let identity = try TLSServerIdentity(in: directory)
        let client = try TLSContext.client(verifyPeer: true, caFile: identity.certPath)

        let connection = try TLSTestSupport.connect(client: client, server: identity, serverName: address)

        #expect(connection.clientProgress == .complete)
        #expect(connection.serverProgress == .complete)
        #expect(connection.client.verifyResult.ok)
    }

    @Test func handshake_negotiatesTLS12_whenClientCapsAtTLS12() throws {
        let directory = try TLSTemporaryDirectory()
        let identity = try TLSServerIdentity(in: directory)
        let client = try TLSContext.client(verifyPeer: true, caFile: identity.certPath)
        #expect(wp_SSL_CTX_set_max_proto_version(client.ctx, TLS1_2_VERSION) == 1)

        let connection = try TLSTestSupport.connect(client: client, server: identity)

        #expect(connection.clientProgress == .complete)
        #expect(connection.serverProgress == .complete)
        #expect(connection.server.negotiatedProtocolVersion == "TLSv1.2")
        #expect(connection.client.negotiatedProtocolVersion == "TLSv1.2")
    }

    @Test func handshake_fails_whenClientSpeaksPlainHTTP() throws {
        let directory = try TLSTemporaryDirectory()
        let identity = try TLSServerIdentity(in: directory)
        let sockets = try TLSSocketPair()
        let server = try #require(identity.context.makeServerSession(fd: sockets.serverFD))
        let request = Array("GET /wss HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        #expect(request.withUnsafeBytes { write(sockets.clientFD, $0.baseAddress, $0.count) } == request.count)

        let progress = server.handshake()

        #expect(progress == .failed("TLS handshake failed: error:0A00009C:SSL routines::http request"))
        #expect(ERR_peek_error() == 0, "a failed handshake must leave the thread's error queue empty")
    }

    @Test func handshake_fails_whenClientOffersOnlyTLS11() throws {
        let directory = try TLSTemporaryDirectory()
        let identity = try TLSServerIdentity(in: directory)
        let client = try TLSContext.client(verifyPeer: false)
        // Let this client really offer TLS 1.1 (OpenSSL 3 refuses it at security level 1).
        SSL_CTX_set_security_level(client.ctx, 0)
        #expect(wp_SSL_CTX_set_min_proto_version(client.ctx, TLS1_VERSION) == 1)
        #expect(wp_SSL_CTX_set_max_proto_version(client.ctx, TLS1_1_VERSION) == 1)

        let connection = try TLSTestSupport.connect(client: client, server: identity)

        #expect(connection.serverProgress == .failed("TLS handshake failed: error:0A000102:SSL routines::unsupported protocol"))
        guard case .failed(let clientReason)? = connection.clientProgress else {
            Issue.record("client handshake should fail, got \(String(describing: connection.clientProgress))")
            return
        }
        #expect(clientReason.contains("tlsv1 alert protocol version"))
        #expect(ERR_peek_error() == 0)
    }

    @Test func handshake_fails_whenPeerClosesDuringHandshake() throws {
        let client = try TLSContext.client(verifyPeer: false)
        let sockets = try TLSSocketPair()
        let session = try #require(client.makeClientSession(fd: sockets.clientFD, serverName: "localhost"))
        #expect(session.handshake() == .wantRead)
        // Consume the ClientHello first, so the close is a clean EOF rather than a reset.
        var hello = [UInt8](repeating: 0, count: 4096)
        #expect(hello.withUnsafeMutableBytes { read(sockets.serverFD, $0.baseAddress, $0.count) } > 0)

        sockets.close(sockets.serverFD)

        #expect(session.handshake() == .failed("TLS handshake failed: peer closed the connection"))
    }

    @Test func handshake_fails_whenPeerResetsDuringHandshake() throws {
        let client = try TLSContext.client(verifyPeer: false)
        let sockets = try TLSSocketPair()
        let session = try #require(client.makeClientSession(fd: sockets.clientFD, serverName: "localhost"))
        #expect(session.handshake() == .wantRead)

        sockets.close(sockets.serverFD) // unread ClientHello: the kernel resets the connection

        #expect(session.handshake() == .failed("TLS handshake failed: Connection reset by peer"))
    }

    @Test func handshake_reportsWantRead_beforePeerSpeaks() throws {
        let directory = try TLSTemporaryDirectory()
        let identity = try TLSServerIdentity(in: directory)
        let sockets = try TLSSocketPair()
        let server = try #require(identity.context.makeServerSession(fd: sockets.serverFD))

        #expect(server.handshake() == .wantRead)
        #expect(server.negotiatedProtocolVersion == nil)
        #expect(server.peerCertificate == nil)
    }
}
