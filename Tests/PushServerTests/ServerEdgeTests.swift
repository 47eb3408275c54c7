import Foundation
import PushClient
import PushCodec
import PushTransport
import Testing
@testable import PushServer
import TestSupport

@Suite struct ServerEdgeTests {
    @Test func ipv6Listener_servesHealthz() throws {
        let server = try TestServer { $0.listeners = [.init(address: "[::1]:0")] }
        defer { server.stop() }
        let address = server.server.listeners[0].boundAddress
        #expect(address.family == .ipv6)
        let response = try HTTPClient(baseURL: "http://[::1]:\(address.port)").request("GET", "/healthz")
        #expect(response.status == 200)
    }

    @Test func plainHTTPToTheTLSPort_isCountedAndTheServerKeepsServing() throws {
        let server = try TestServer()
        defer { server.stop() }
        let text = try HTTPIntegrationTests.raw(server.secure, Array("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        #expect(!text.hasPrefix("HTTP/1.1 200"))
        #expect(eventually { server.server.counters.tlsHandshakeFailures == 1 })
        let ok = try HTTPClient(baseURL: server.httpsURL, tls: server.clientTLS()).request("GET", "/healthz")
        #expect(ok.status == 200)
    }

    /// EspoCRM's AuthTokenCheck contract through the real handshake: stdout is the owner; a
    /// reconnect storm of one token forks the command once.
    @Test func externalVerifier_admitsCRMTokens_andAStormForksOnce() throws {
        let dir = try makeTemporaryDirectory("wamp-push-verify-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
        echo "$1" >> runs.log
        sleep 0.2
        if [ "$1" = "crm-session-token" ]; then echo crmuser; fi
        """.write(toFile: dir + "/check.sh", atomically: true, encoding: .utf8)
        let server = try TestServer {
            $0.auth.verifyCommand = "sh ./check.sh :token"
            $0.auth.workingDirectory = dir
        }
        defer { server.stop() }
        let statuses = Locked<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 30) { _ in
            let status = (try? BrokerIntegrationTests.handshake(server, "authToken=crm-session-token&userId=crmuser").status) ?? -1
            statuses.mutate { $0.append(status) }
        }
        #expect(statuses.value == [Int](repeating: 101, count: 30))
        #expect(try BrokerIntegrationTests.handshake(server, "authToken=crm-session-token&userId=other").status == 401)
        #expect(try BrokerIntegrationTests.handshake(server, "authToken=unknown-token&userId=crmuser").status == 401)
        let runs = try String(contentsOfFile: dir + "/runs.log", encoding: .utf8).split(separator: "\n")
        #expect(runs.filter { $0 == "crm-session-token" }.count == 1)
    }

    @Test func accessCheckCommand_decidesTheSubscription() throws {
        let dir = try makeTemporaryDirectory("wamp-push-access-")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Stands in for `php command.php AppAccess :userId :scope`: only alice may see Lead.
        try """
        if [ "$2" = "alice" ] && [ "$3" = "Lead" ]; then echo true; else echo false; fi
        """.write(toFile: dir + "/access.sh", atomically: true, encoding: .utf8)
        let server = try TestServer {
            $0.categories["recordUpdate"] = .init(paramList: ["scope", "id"], accessCheckCommand: "check :userId :scope")
            $0.accessCheck.commandPrefix = "sh ./access.sh"
            $0.accessCheck.workingDirectory = dir
        }
        defer { server.stop() }
        let alice = try server.wamp(user: "alice", token: try server.createToken(user: "alice"))
        let bob = try server.wamp(user: "bob", token: try server.createToken(user: "bob"))
        for c in [alice, bob] { try c.subscribe("recordUpdate.Lead.7") }
        #expect(eventually { server.server.subscriptionCount == 1 })
        _ = try BrokerIntegrationTests.publish(server, #"{"topicId":"recordUpdate.Lead.7"}"#)
        #expect(try alice.nextEvent().topic == "recordUpdate.Lead.7")
        #expect(bob.staysQuiet())
    }

    @Test func clientPublish_onAnOptInCategory_followsExcludeAndEligible() throws {
        let server = try TestServer { $0.categories["chat"] = .init(clientPublish: true) }
        defer { server.stop() }
        let token = try server.createToken(user: "u")
        let a = try server.wamp(user: "u", token: token)
        let b = try server.wamp(user: "u", token: token)
        let c = try server.wamp(user: "u", token: token)
        for x in [a, b, c] { try x.subscribe("chat"); try x.roundTrip() }
        // [7, topic, event]: everyone, the publisher included (Ratchet's default).
        try a.send(WAMPCodec.publish("chat", event: 1))
        for x in [a, b, c] { #expect(try x.nextEvent().payload == 1) }
        // excludeMe = true
        try a.send(WAMPCodec.publish("chat", event: 2, options: .excludeMe(true)))
        for x in [b, c] { #expect(try x.nextEvent().payload == 2) }
        #expect(a.staysQuiet())
        // exclude [b], eligible [b, c]  → only c
        try a.send(WAMPCodec.publish("chat", event: 3, options: .lists(exclude: [b.sessionId], eligible: [b.sessionId, c.sessionId])))
        #expect(try c.nextEvent().payload == 3)
        #expect(a.staysQuiet() && b.staysQuiet())
    }
}

