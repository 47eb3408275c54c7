import Foundation
import PushClient
import PushCodec
import PushTransport
import Testing
import TestSupport

/// A generated certificate on disk plus a server context serving it; the directory goes away on release.
final class TLSFixture {
    let directory: String
    let certPath: String
    let server: TLSContext

    init(dnsNames: [String] = ["localhost"], ipAddresses: [String] = ["127.0.0.1", "::1"]) throws {
        directory = try makeTemporaryDirectory("wamp-push-client-")
        let generated = try SelfSignedCertificate.generate(dnsNames: dnsNames, ipAddresses: ipAddresses)
        certPath = directory + "/cert.pem"
        let keyPath = directory + "/key.pem"
        try generated.certificatePEM.write(toFile: certPath, atomically: false, encoding: .utf8)
        try generated.privateKeyPEM.write(toFile: keyPath, atomically: false, encoding: .utf8)
        server = try TLSContext.server(certificateChainPath: certPath, privateKeyPath: keyPath)
    }

    /// A client context trusting exactly this certificate.
    func trustingClient() throws -> TLSContext { try TLSContext.client(verifyPeer: true, caFile: certPath) }

    deinit { try? FileManager.default.removeItem(atPath: directory) }
}

@Suite struct TLSClientTests {
    @Test func https_requestSucceeds_withPinnedCertificate_andExposesPeerCertificate() throws {
        let fixture = try TLSFixture()
        let serverContext = fixture.server
        let server = try FakeServer()
        server.run { server in
            for index in 1...2 {
                guard let peer = server.accept() else { return server.record("no connection \(index)") }
                guard peer.startTLS(serverContext) else { return server.record("handshake failed \(index)") }
                if let request = peer.readRequest() { server.record(summary(request)) }
                peer.write("HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecure")
                peer.close()
            }
        }
        let client = try HTTPClient(baseURL: "https://localhost:\(server.port)", tls: try fixture.trustingClient(), requestTimeout: 2)
        #expect(try client.request("GET", "/healthz").bodyString() == "secure")
        client.close()

        let connection = try ClientConnection(url: try ClientURL.parse("https://127.0.0.1:\(server.port)/"),
                                              tls: try fixture.trustingClient(), connectTimeout: 2, ioTimeout: 2)
        let session = try #require(connection.tlsSession)
        #expect(session.verifyResult.ok)
        #expect(session.peerCertificate?.dnsNames == ["localhost"])
        try connection.write(Array("GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
        var received: [UInt8] = []
        while try connection.read(into: &received, max: 4096) > 0 {}
        #expect(String(decoding: received, as: UTF8.self).hasSuffix("\r\n\r\nsecure"))
        connection.close()
        #expect(server.finish() == ["GET /healthz host=localhost:\(server.port)", "GET /x host=127.0.0.1"])
    }

    @Test func wss_exchangesMessagesOverTLS() throws {
        let fixture = try TLSFixture()
        let serverContext = fixture.server
        let server = try FakeServer()
        server.run { server in
            guard let peer = server.accept(), peer.startTLS(serverContext), let accept = readHandshake(peer, server) else { return }
            peer.write(Array(switchingProtocols(accept: accept).utf8) + serverFrame(0x1, "[0,\"s\",1,\"wamp-push\"]"))
            server.record(describe(peer.readClientFrame()))
            _ = peer.waitForEOF()
        }
        let (maybeClient, _) = try WebSocketClient.connect(url: "wss://localhost:\(server.port)/wss", tls: try fixture.trustingClient(), timeout: 2)
        let client = try #require(maybeClient)
        #expect(try client.receiveText() == "[0,\"s\",1,\"wamp-push\"]")
        try client.sendText("[5,\"WhatsApp\"]")
        client.close()
        #expect(server.finish().last == "frame fin=true op=1 masked=true payload=\(Digest.hex(Array("[5,\"WhatsApp\"]".utf8)))")
    }

    @Test func tls_refusesCertificate_notIssuedForTheAddress() throws {
        let fixture = try TLSFixture(dnsNames: ["other.example"], ipAddresses: [])
        let serverContext = fixture.server
        let server = try FakeServer()
        server.run { server in
            guard let peer = server.accept() else { return }
            _ = peer.startTLS(serverContext)
        }
        let context = try fixture.trustingClient()
        let error = #expect(throws: ClientError.self) {
            _ = try ClientConnection(url: try ClientURL.parse("https://127.0.0.1:\(server.port)/"), tls: context, connectTimeout: 2)
        }
        #expect(error?.kind == .tls)
        #expect(error?.message.hasPrefix("TLS handshake with 127.0.0.1:\(server.port) failed: ") == true)
        #expect(error?.message.contains("IP address mismatch") == true, "\(String(describing: error))")
        _ = server.finish()
    }

    @Test func tls_verifiesAgainstSystemTrust_byDefault() throws {
        let fixture = try TLSFixture()
        let serverContext = fixture.server
        let server = try FakeServer()
        server.run { server in
            guard let peer = server.accept() else { return }
            _ = peer.startTLS(serverContext)
        }
        let error = #expect(throws: ClientError.self) {
            _ = try HTTPClient(baseURL: "https://localhost:\(server.port)", requestTimeout: 2).request("GET", "/")
        }
        #expect(error?.kind == .tls)
        #expect(error?.message.hasPrefix("TLS handshake with localhost:\(server.port) failed: ") == true)
        #expect(error?.message.contains("self-signed certificate") == true, "\(String(describing: error))")
        _ = server.finish()
    }
}
