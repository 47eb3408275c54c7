import Foundation
@testable import PushBroker
@testable import PushServer
import PushStore
@testable import PushTools
import PushTransport
import Testing
import TestSupport

/// `Doctor` against real servers started in the test (Docs/troubleshooting.md).
@Suite struct DoctorServerTests {
    @Test func doctor_passesEveryStep_whenHealthyOverWs() throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "alice")
        let steps = Doctor(options: DoctorOptions(url: server.wsURL(), user: "alice", token: token)).run()
        #expect(doctorOutcome(steps) == doctorAllPassed)
        #expect(DoctorReport.allPassed(steps))
        #expect(steps[1].detail == "not used (ws://)")
        #expect(steps[2].detail == "101 Switching Protocols from wamp-push/0.1.0 (no proxy in between)")
        #expect(steps[7].detail == "POST http://\(server.plain)/internal/publish (derived from --url) accepted by wamp-push, delivered to 1 session(s)")
    }

    @Test func doctor_passesEveryStep_whenHealthyOverWssWithCACert() throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "alice")
        let options = DoctorOptions(url: server.wsURL(tls: true), user: "alice", token: token, caFile: server.certificatePath)
        let steps = Doctor(options: options).run()
        #expect(doctorOutcome(steps) == doctorAllPassed)
        #expect(steps[1].detail.contains("CN=localhost valid until"))
        #expect(steps[1].detail.hasSuffix(", verified"))
        #expect(steps[7].detail.hasPrefix("POST https://\(server.secure)/internal/publish (derived from --url) accepted by wamp-push"))
    }

    @Test func doctor_passes_whenSelfSignedAndInsecure() throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "alice")
        let options = DoctorOptions(url: server.wsURL(tls: true), user: "alice", token: token, insecure: true)
        let steps = Doctor(options: options).run()
        #expect(doctorOutcome(steps) == doctorAllPassed)
        #expect(steps[1].detail.contains("accepted with --insecure although the certificate CN=localhost is self-signed"))
    }

    @Test func doctor_failsConnect_whenNothingListens() throws {
        let port = closedLoopbackPort()
        let steps = Doctor(options: DoctorOptions(url: "ws://127.0.0.1:\(port)/wss", user: "alice", token: "t")).run()
        #expect(doctorOutcome(steps) == ["✗ TCP connect"])
        #expect(steps[0].hint == "nothing listens on 127.0.0.1:\(port): is wamp-push running? check listeners in the config (and the port in the URL)")
        #expect(steps[0].detail.contains("Connection refused"))
    }

    @Test func doctor_failsAuthenticationWith401Hint_whenTokenIsWrong() throws {
        let server = try TestServer()
        defer { server.stop() }
        let steps = Doctor(options: DoctorOptions(url: server.wsURL(), user: "alice", token: "not-a-token")).run()
        #expect(doctorOutcome(steps) == ["✓ TCP connect", "✓ TLS", "✓ HTTP upgrade", "✗ authentication"])
        #expect(steps[3].detail.hasPrefix("401 "))
        #expect(steps[3].hint == "unknown token or it belongs to another user (create one: wamp-push token create --user alice)")
    }

    @Test func doctor_namesTheQuota_whenTheUserHoldsTooManySessions() throws {
        let server = try TestServer { $0.limits.maxSessionsPerUser = 1 }
        defer { server.stop() }
        let token = try server.createToken(user: "alice")
        let held = try server.wamp(user: "alice", token: token)
        defer { held.socket.close() }
        let steps = Doctor(options: DoctorOptions(url: server.wsURL(), user: "alice", token: token)).run()
        #expect(doctorOutcome(steps) == ["✓ TCP connect", "✓ TLS", "✓ HTTP upgrade", "✗ authentication"])
        #expect(steps[3].detail.hasPrefix("429 "))
        #expect(steps[3].hint == DoctorHints.quotaReached)
    }

    @Test func doctor_failsAuthenticationWith403Hint_whenTokenIsRevoked() throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "alice")
        _ = try server.server.store.sync { db in try TokenStore(database: db).revoke(token: token) }
        let steps = Doctor(options: DoctorOptions(url: server.wsURL(), user: "alice", token: token)).run()
        #expect(doctorOutcome(steps) == ["✓ TCP connect", "✓ TLS", "✓ HTTP upgrade", "✗ authentication"])
        #expect(steps[3].detail.hasPrefix("403 "))
        #expect(steps[3].hint == "token revoked or expired (create a new one: wamp-push token create --user alice)")
    }

    @Test func doctor_failsPublishWithNotDeclaredHint_whenTopicIsUndeclared() throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "alice")
        let options = DoctorOptions(url: server.wsURL(), user: "alice", token: token, topic: "NoSuchTopic")
        let steps = Doctor(options: options).run()
        #expect(doctorOutcome(steps) == Array(doctorAllPassed.prefix(7)) + ["✗ publish"])
        #expect(steps[7].hint == "topic NoSuchTopic is not declared on the server: add it to categories in the config")
        #expect(steps[7].detail.hasSuffix("422 unknown topic: Topic 'NoSuchTopic' is not in a declared category."))
    }

    @Test func doctor_failsTLSSuggestingInsecureOrCACert_whenSelfSigned() throws {
        let server = try TestServer()
        defer { server.stop() }
        let token = try server.createToken(user: "alice")
        let steps = Doctor(options: DoctorOptions(url: server.wsURL(tls: true), user: "alice", token: token)).run()
        #expect(doctorOutcome(steps) == ["✓ TCP connect", "✗ TLS"])
        #expect(steps[1].detail.hasPrefix("the certificate CN=localhost is self-signed and not trusted ("))
        #expect(steps[1].hint == "the certificate is self-signed: trust it with --cacert data/tls/cert.pem (browsers: import it), or skip verification with --insecure")
    }

    @Test func doctor_failsTLSSayingExpired_whenCertificateExpired() throws {
        let now = Int64(Date().timeIntervalSince1970)
        let validFrom = now - 10 * 86_400
        let pem = try SelfSignedCertificate.generate(validFrom: validFrom, validDays: 1)
        let directory = try makeTemporaryDirectory("doctor-expired-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let certPath = directory + "/cert.pem", keyPath = directory + "/key.pem"
        try pem.certificatePEM.write(toFile: certPath, atomically: true, encoding: .utf8)
        try pem.privateKeyPEM.write(toFile: keyPath, atomically: true, encoding: .utf8)
        let server = try TestServer { config in
            config.listeners = [.init(address: "127.0.0.1:0"), .init(address: "127.0.0.1:0", tls: .init(cert: certPath, key: keyPath))]
        }
        defer { server.stop() }
        let token = try server.createToken(user: "alice")
        let options = DoctorOptions(url: server.wsURL(tls: true), user: "alice", token: token, caFile: certPath)
        let steps = Doctor(options: options).run()
        #expect(doctorOutcome(steps) == ["✓ TCP connect", "✗ TLS"])
        let expiry = validFrom + 86_400
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        let when = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(expiry)))
        #expect(steps[1].detail == "the certificate CN=localhost expired on \(when)")
    }

    @Test func doctor_failsUpgradePrintingNginxBlock_whenProxyAnswers502() throws {
        let proxy = try DoctorFakeProxy(answer: "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: 11\r\nConnection: close\r\n\r\nBad Gateway")
        defer { proxy.stop() }
        let steps = Doctor(options: DoctorOptions(url: "ws://127.0.0.1:\(proxy.port)/wss", user: "alice", token: "t")).run()
        #expect(doctorOutcome(steps) == ["✓ TCP connect", "✓ TLS", "✗ HTTP upgrade"])
        #expect(steps[2].detail == "502 Bad Gateway from a server that sends no Server header: the proxy cannot reach its upstream")
        let hint = try #require(steps[2].hint)
        #expect(hint.hasPrefix("the proxy cannot reach its upstream: is wamp-push running? is proxy_pass the right host:port"))
        #expect(hint.hasSuffix(DoctorHints.nginxBlock))
        #expect(DoctorReport.text(steps).contains("    proxy_set_header Connection \"upgrade\";"))
    }

    @Test func doctor_failsUpgrade_whenAWebServerAnswersWithAPage() throws {
        let proxy = try DoctorFakeProxy(answer: "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n<html></html>")
        defer { proxy.stop() }
        let steps = Doctor(options: DoctorOptions(url: "ws://127.0.0.1:\(proxy.port)/wss", user: "alice", token: "t")).run()
        #expect(doctorOutcome(steps) == ["✓ TCP connect", "✓ TLS", "✗ HTTP upgrade"])
        #expect(steps[2].detail == "200 OK with an HTML page instead of 101 Switching Protocols from a server that sends no Server header")
        #expect(steps[2].hint?.hasSuffix(DoctorHints.nginxBlock) == true)
    }
}

/// The EVENT step when the publish reaches nobody.
@Suite struct DoctorDeliveryTests {
    @Test func doctor_failsEventReportingZeroSessions_whenTheSubscriptionIsRefused() throws {
        let dir = try makeTemporaryDirectory("doctor-access-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "echo false\n".write(toFile: dir + "/deny.sh", atomically: true, encoding: .utf8)
        let server = try TestServer {
            $0.categories["recordUpdate"] = .init(paramList: ["scope", "id"], accessCheckCommand: "check :userId")
            $0.accessCheck.commandPrefix = "sh ./deny.sh"
            $0.accessCheck.workingDirectory = dir
        }
        defer { server.stop() }
        let token = try server.createToken(user: "alice")
        let options = DoctorOptions(url: server.wsURL(), user: "alice", token: token, topic: "recordUpdate.Lead.7")
        let steps = Doctor(options: options).run()
        #expect(doctorOutcome(steps) == Array(doctorAllPassed.prefix(8)) + ["✗ EVENT received"])
        #expect(steps[7].detail.hasSuffix("delivered to 0 session(s)"))
        #expect(steps[8].detail == "no EVENT within 1.0 s: the publish to recordUpdate.Lead.7 reached 0 sessions, so the subscription was ignored")
        #expect(steps[8].hint?.hasPrefix("the subscriber and the publisher use different topic names") == true)
    }
}
