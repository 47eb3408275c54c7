import Foundation
import PushClient
import PushCodec
import PushStore
import Testing
@testable import PushServer
import TestSupport

/// The authentication quotas over real sockets. Every test client comes from 127.0.0.1, so each
/// test sets the budget it exercises small (and turns the others off where they would interfere).
@Suite struct AuthQuotaIntegrationTests {
    static func handshake(_ server: TestServer, user: String, token: String, headers: [(String, String)] = [],
                          timeout: Double = 5) throws -> HTTPClientResponse {
        try WebSocketClient.connect(url: server.wsURL("/wss?authToken=\(token)&userId=\(user)"), protocols: ["wamp"],
                                    headers: headers, timeout: timeout).1
    }

    static func errorCode(_ response: HTTPClientResponse) -> String? {
        (try? JSONParser.parse(response.bodyString()))?.objectValue?["error"]?.stringValue
    }

    @Test func verifierFlood_getsTooManyRequestsAfterTheSpawnBudget_tableAndCacheHitsStillLogIn() throws {
        let dir = try CommandsTempDir()
        defer { dir.remove() }
        try dir.writeScript("check.sh", """
            echo "$1" >> runs.log
            if [ "$1" = "crm-token" ]; then echo crmuser; fi

            """)
        let server = try TestServer {
            $0.auth.verifyCommand = "sh ./check.sh :token"
            $0.auth.workingDirectory = dir.path
            $0.limits.verifierSpawnsPerAddressPerMinute = 5
            $0.limits.failedAuthPerAddressPerMinute = 0 // this test is about spawns alone
        }
        defer { server.stop() }
        let tableToken = try server.createToken(user: "alice")

        // One spawn for a real CRM token, then a flood of distinct random tokens.
        #expect(try Self.handshake(server, user: "crmuser", token: "crm-token").status == 101)
        var statuses: [Int] = []
        for _ in 0..<20 {
            statuses.append(try Self.handshake(server, user: "mallory", token: "rnd-\(UUID().uuidString)").status)
        }
        #expect(statuses.prefix(4) == [401, 401, 401, 401])
        #expect(statuses.dropFirst(4).allSatisfy { $0 == 429 }, "\(statuses)")
        #expect(dir.lines("runs.log").count == 5, "the verifier ran more often than its budget")

        let refused = try Self.handshake(server, user: "mallory", token: "rnd-\(UUID().uuidString)")
        #expect(refused.status == 429)
        #expect(Self.errorCode(refused) == "too_many_token_checks")
        #expect(refused.head.headers.first("Retry-After").flatMap(Int.init).map { $0 >= 1 && $0 <= 12 } == true)

        // During the flood: a table token spends no spawn budget, nor does a cached verifier answer.
        _ = try server.wamp(user: "alice", token: tableToken)
        #expect(try Self.handshake(server, user: "crmuser", token: "crm-token").status == 101)
        #expect(dir.lines("runs.log").count == 5)

        let metrics = try MetricsTests.scrape(server)
        #expect(metrics["wamp_push_auth_quota_refusals_total{quota=\"verifier_spawns\"}"] == 17)
    }

    @Test func failedAuthBudget_refusesBeforeAnyLookUp_perSourceAddress() throws {
        let server = try TestServer {
            $0.limits.failedAuthPerAddressPerMinute = 3
        }
        defer { server.stop() }
        let token = try server.createToken(user: "alice")
        // A tab retrying one stale token is charged once a minute, not once per attempt.
        for _ in 0..<5 { #expect(try Self.handshake(server, user: "alice", token: "stale").status == 401) }
        for i in 1...2 { #expect(try Self.handshake(server, user: "alice", token: "wrong\(i)").status == 401) }
        let refused = try Self.handshake(server, user: "alice", token: "wrong3")
        #expect(refused.status == 429)
        #expect(Self.errorCode(refused) == "too_many_failed_authentications")
        #expect(refused.head.headers.first("Retry-After") == "20") // 3 per minute: one back every 20 s
        // Over the budget even a valid token is refused: nothing is looked up for this address.
        #expect(try Self.handshake(server, user: "alice", token: token).status == 429)
        // The REST actions share the budget (same authenticator, same source address).
        let rest = try HTTPClient(baseURL: server.httpURL).request("GET", "/api/v1/WhatsApp/action/status",
                                                                   headers: [("Authorization", "Bearer \(token)")])
        #expect(rest.status == 429)
        // Behind a same-host proxy the forwarded client address counts, not the proxy's.
        let proxied = [("X-Forwarded-For", "198.51.100.4")]
        #expect(try Self.handshake(server, user: "alice", token: token, headers: proxied).status == 101)
        #expect(try Self.handshake(server, user: "alice", token: "wrong4", headers: proxied).status == 401)

        let metrics = try MetricsTests.scrape(server)
        #expect(metrics["wamp_push_auth_quota_refusals_total{quota=\"failed_auth\"}"] == 3)
    }

    @Test func sessionsPerUser_capRefusesTheNextAndEveryClosePathGivesItsSlotBack() throws {
        let server = try TestServer { $0.limits.maxSessionsPerUser = 2 }
        defer { server.stop() }
        let token = try server.createToken(user: "alice")
        let quota = server.server.authQuotas.sessions
        func atCapRefusal() throws -> HTTPClientResponse { try Self.handshake(server, user: "alice", token: token) }

        var open = [try server.wamp(user: "alice", token: token), try server.wamp(user: "alice", token: token)]
        let refused = try atCapRefusal()
        #expect(refused.status == 429)
        #expect(Self.errorCode(refused) == "too_many_sessions")
        #expect(refused.bodyString().contains("limits.maxSessionsPerUser"))
        let bob = try server.wamp(user: "bob", token: try server.createToken(user: "bob")) // another user is not affected
        defer { withExtendedLifetime(bob) {} }

        // 1. The peer drops TCP.
        open.removeFirst().socket.close()
        #expect(eventually(5) { quota.sessions(of: "alice") == 1 })
        open.append(try server.wamp(user: "alice", token: token))
        #expect(try atCapRefusal().status == 429)

        // 2. A clean closing handshake from the client.
        let leaving = open.removeFirst()
        try leaving.socket.sendClose(code: 1000)
        _ = leaving.socket.waitForClose(timeout: 5)
        #expect(eventually(5) { quota.sessions(of: "alice") == 1 })
        open.append(try server.wamp(user: "alice", token: token))

        // 3. The server closes the session (a binary frame is a protocol violation for WAMP v1).
        let violating = open.removeFirst()
        try violating.socket.sendBinary([1, 2, 3])
        #expect(violating.socket.waitForClose(timeout: 5)?.code == 1003)
        #expect(eventually(5) { quota.sessions(of: "alice") == 1 })
        open.append(try server.wamp(user: "alice", token: token))

        // 4. Revocation closes every session of the token (1008); a new token is admitted at once.
        _ = try server.server.store.sync { db in try TokenStore(database: db).revoke(token: token) }
        for client in open { #expect(client.socket.waitForClose(timeout: 5)?.code == 1008) }
        #expect(eventually(5) { quota.sessions(of: "alice") == 0 })
        let fresh = try server.createToken(user: "alice")
        let kept = [try server.wamp(user: "alice", token: fresh), try server.wamp(user: "alice", token: fresh)]
        #expect(try Self.handshake(server, user: "alice", token: fresh).status == 429)
        #expect(quota.sessions(of: "alice") == 2)
        withExtendedLifetime(kept) {}

        let metrics = try MetricsTests.scrape(server)
        #expect(metrics["wamp_push_auth_quota_refusals_total{quota=\"sessions_per_user\"}"] == 3)
    }

    @Test func accessChecksComplete_whileTheVerifierPoolIsSaturated() throws {
        let dir = try CommandsTempDir()
        defer { dir.remove() }
        // Verifier runs block until the test creates `release` (bounded: at most 15 s).
        try dir.writeScript("check.sh", """
            echo "$1" >> runs.log
            i=0
            while [ ! -f release ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i+1)); done

            """)
        try dir.writeScript("access.sh", "echo true\n")
        let server = try TestServer {
            $0.auth.verifyCommand = "sh ./check.sh :token"
            $0.auth.workingDirectory = dir.path
            $0.auth.timeoutSeconds = 20
            $0.auth.maxConcurrent = 2
            $0.limits.verifierSpawnsPerAddressPerMinute = 0
            $0.limits.failedAuthPerAddressPerMinute = 0
            $0.categories["recordUpdate"] = .init(paramList: ["scope", "id"], accessCheckCommand: "check :userId :scope")
            $0.accessCheck.commandPrefix = "sh ./access.sh"
            $0.accessCheck.workingDirectory = dir.path
        }
        defer { server.stop() }
        let alice = try server.wamp(user: "alice", token: try server.createToken(user: "alice"))

        let flood = DispatchGroup()
        for i in 0..<2 {
            DispatchQueue.global().async(group: flood) {
                _ = try? Self.handshake(server, user: "mallory", token: "slow-\(i)", timeout: 20)
            }
        }
        defer {
            _ = FileManager.default.createFile(atPath: dir.path + "/release", contents: nil)
            flood.wait()
        }
        #expect(eventually(10) { server.server.verifierRunner.runningCount == 2 })

        try alice.subscribe("recordUpdate.Lead.1")
        #expect(eventually(10) { server.server.subscriptionCount == 1 }, "the access check did not complete")
        #expect(server.server.verifierRunner.runningCount == 2, "the verifier pool was not saturated meanwhile")
        #expect(try BrokerIntegrationTests.publish(server, #"{"topicId":"recordUpdate.Lead.1"}"#).status == 200)
        #expect(try alice.nextEvent().topic == "recordUpdate.Lead.1")
    }
}
