import Foundation
import Glibc
import PushTransport
import Testing

@Suite struct TLSCertificateTests {
    @Test func generate_defaults_coverLocalhostAndLoopbackIPs() throws {
        let validFrom: Int64 = 1_700_000_000

        let generated = try SelfSignedCertificate.generate(validFrom: validFrom)
        let info = try #require(CertificateInfo(pem: generated.certificatePEM))

        #expect(info.subject == "CN=localhost")
        #expect(info.issuer == "CN=localhost")
        #expect(info.dnsNames == ["localhost"])
        #expect(info.ipAddresses == ["127.0.0.1", "::1"])
        #expect(info.notBefore == validFrom)
        #expect(info.notAfter == validFrom + 825 * 86_400)
        #expect(info.isSelfSigned)
        #expect(generated.certificatePEM.hasPrefix("-----BEGIN CERTIFICATE-----\n"))
        #expect(generated.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
    }

    @Test func generate_usesGivenNames() throws {
        let generated = try SelfSignedCertificate.generate(
            commonName: "push.example.test", dnsNames: ["push.example.test", "*.example.test"],
            ipAddresses: ["10.1.2.3"])
        let info = try #require(CertificateInfo(pem: generated.certificatePEM))

        #expect(info.subject == "CN=push.example.test")
        #expect(info.dnsNames == ["push.example.test", "*.example.test"])
        #expect(info.ipAddresses == ["10.1.2.3"])
    }

    @Test func generate_makesDistinctKeysAndSerials() throws {
        let first = try SelfSignedCertificate.generate()
        let second = try SelfSignedCertificate.generate()

        #expect(first.privateKeyPEM != second.privateKeyPEM)
        #expect(first.certificatePEM != second.certificatePEM)
    }

    @Test func generate_rejectsNameThatWouldInjectConfig() {
        #expect(throws: TLSConfigError("TLS certificate generation: invalid DNS name \"a.test,IP:1.2.3.4\"")) {
            try SelfSignedCertificate.generate(dnsNames: ["a.test,IP:1.2.3.4"])
        }
        #expect(throws: TLSConfigError("TLS certificate generation: invalid IP address \"localhost\"")) {
            try SelfSignedCertificate.generate(ipAddresses: ["localhost"])
        }
        #expect(throws: TLSConfigError("TLS certificate generation: validDays must be between 0 and 36500, got -1")) {
            try SelfSignedCertificate.generate(validDays: -1)
        }
    }

    @Test func expiredCertificate_isReportedByPeerCertificateAndVerifyResult() throws {
        let now = Int64(time(nil))
        let directory = try TLSTemporaryDirectory()
        let identity = try TLSServerIdentity(in: directory, validFrom: now - 10 * 86_400, validDays: 1)
        let lenient = try TLSContext.client(verifyPeer: false, caFile: identity.certPath)

        let connection = try TLSTestSupport.connect(client: lenient, server: identity)

        #expect(connection.clientProgress == .complete)
        let peer = try #require(connection.client.peerCertificate)
        #expect(peer.subject == "CN=localhost")
        #expect(peer.dnsNames == ["localhost"])
        #expect(peer.ipAddresses == ["127.0.0.1", "::1"])
        #expect(peer.notAfter == now - 9 * 86_400)
        #expect(peer.notAfter < now)
        #expect(peer.isExpired(now: now))
        #expect(peer.isSelfSigned)
        #expect(connection.client.verifyResult == (false, "certificate has expired"))
    }

    @Test func expiredCertificate_failsHandshake_whenClientVerifies() throws {
        let directory = try TLSTemporaryDirectory()
        let identity = try TLSServerIdentity(in: directory, validFrom: Int64(time(nil)) - 10 * 86_400, validDays: 1)
        let strict = try TLSContext.client(verifyPeer: true, caFile: identity.certPath)

        let connection = try TLSTestSupport.connect(client: strict, server: identity)

        #expect(connection.clientProgress
            == .failed("TLS handshake failed: error:0A000086:SSL routines::certificate verify failed (certificate has expired)"))
    }

    @Test func wrongCA_failsHandshake_withVerifyReason() throws {
        let directory = try TLSTemporaryDirectory()
        let served = try TLSServerIdentity(in: directory, name: "served")
        let trusted = try TLSServerIdentity(in: directory, name: "trusted")
        let client = try TLSContext.client(verifyPeer: true, caFile: trusted.certPath)

        let connection = try TLSTestSupport.connect(client: client, server: served)

        #expect(connection.clientProgress
            == .failed("TLS handshake failed: error:0A000086:SSL routines::certificate verify failed (self-signed certificate)"))
        #expect(connection.client.verifyResult == (false, "self-signed certificate"))
        guard case .failed(let serverReason)? = connection.serverProgress else {
            Issue.record("server should see the client's alert, got \(String(describing: connection.serverProgress))")
            return
        }
        #expect(serverReason.contains("alert"))
    }

    @Test(arguments: [("example.com", "hostname mismatch"), ("192.0.2.1", "IP address mismatch")])
    func nameMismatch_isReportedInVerifyResult(serverName: String, expected: String) throws {
        let directory = try TLSTemporaryDirectory()
        let identity = try TLSServerIdentity(in: directory)
        let lenient = try TLSContext.client(verifyPeer: false, caFile: identity.certPath)

        let connection = try TLSTestSupport.connect(client: lenient, server: identity, serverName: serverName)

        #expect(connection.clientProgress == .complete)
        #expect(connection.client.verifyResult == (false, expected))
    }

    @Test func serverSession_hasNoPeerCertificate() throws {
        let directory = try TLSTemporaryDirectory()
        let identity = try TLSServerIdentity(in: directory)
        let client = try TLSContext.client(verifyPeer: true, caFile: identity.certPath)

        let connection = try TLSTestSupport.connect(client: client, server: identity)

        #expect(connection.serverProgress == .complete)
        #expect(connection.server.peerCertificate == nil)
    }

    @Test func certificateInfo_isNil_forTextWithoutCertificate() {
        #expect(CertificateInfo(pem: "no certificate here") == nil)
    }

    @Test func writeIfMissing_createsUsableFilesOnce_withPrivateKeyMode() throws {
        let directory = try TLSTemporaryDirectory()
        let target = directory.path + "/data/tls"

        let first = try SelfSignedCertificate.writeIfMissing(directory: target)
        let second = try SelfSignedCertificate.writeIfMissing(directory: target)

        #expect(first.created)
        #expect(first.certPath == target + "/cert.pem")
        #expect(first.keyPath == target + "/key.pem")
        #expect(!second.created)
        #expect(try String(contentsOfFile: first.certPath, encoding: .utf8) == String(contentsOfFile: second.certPath, encoding: .utf8))
        var info = stat()
        #expect(stat(first.keyPath, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        _ = try TLSContext.server(certificateChainPath: first.certPath, privateKeyPath: first.keyPath)
    }

    @Test func writeIfMissing_refusesToCompleteAHalfPair() throws {
        let directory = try TLSTemporaryDirectory()
        let lonelyCert = try directory.write("cert.pem", "existing")

        #expect(throws: TLSConfigError("TLS directory \(directory.path) has \(lonelyCert) but not \(directory.path)/key.pem; supply both files or remove the other one")) {
            try SelfSignedCertificate.writeIfMissing(directory: directory.path)
        }
        #expect(try String(contentsOfFile: lonelyCert, encoding: .utf8) == "existing")
    }
}
