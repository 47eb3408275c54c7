import Foundation
import PushCluster
import PushTransport
import Testing
import TestSupport

/// rediss:// through our TLS layer, against redis-server --tls-port with a certificate the test makes.
@Suite(.serialized, .enabled(if: RedisServerProcess.binary != nil, "redis-server is not installed (make test installs it when run as root)"))
struct RedisTLSTests {
    @Test func rediss_connectsWithTheTrustedCertificate_andRefusesAnUntrustedOne() throws {
        let directory = try makeTemporaryDirectory("wamp-push-redis-tls-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let generated = try SelfSignedCertificate.generate(commonName: "127.0.0.1", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
        let certificate = directory + "/cert.pem", key = directory + "/key.pem"
        try generated.certificatePEM.write(toFile: certificate, atomically: true, encoding: .utf8)
        try generated.privateKeyPEM.write(toFile: key, atomically: true, encoding: .utf8)

        let redis = try RedisServerProcess(extra: ["--requirepass", "tls-pw"], tls: (certificate, key))
        defer { redis.stop() }
        let loop = TestLoop()
        defer { loop.shutdown() }

        let trusted = try TLSContext.client(verifyPeer: true, caFile: certificate)
        let (connection, states) = startConnection(loop, try testConfiguration("rediss://:tls-pw@127.0.0.1:\(redis.port)/2", tls: trusted))
        // The system trust store does not know the test's certificate.
        let (untrusted, untrustedStates) = startConnection(loop, try testConfiguration("rediss://:tls-pw@127.0.0.1:\(redis.port)"))
        // Plain RESP to a TLS port: the server never answers the greeting in clear text.
        let (plain, plainStates) = startConnection(loop, try testConfiguration("redis://:tls-pw@127.0.0.1:\(redis.port)"))
        defer { loop.loop.sync { [connection, untrusted, plain].forEach { $0.stop() } } }

        #expect(eventually { states.last == .up }, "\(states.all)")
        #expect(call(loop) { connection.set("secure", Array("yes".utf8), completion: $0) }?.value != nil)
        #expect(call(loop) { connection.get("secure", completion: $0) }?.value == Array("yes".utf8))
        #expect(eventually { untrustedStates.last?.isDown == true })
        #expect(untrustedStates.last?.reason.contains("certificate verify failed") == true, "\(untrustedStates.all)")
        #expect(eventually { plainStates.last?.isDown == true })
        #expect(plainStates.last?.reason.isEmpty == false, "\(plainStates.all)")
    }
}
