import Foundation
import PushClient
import PushCodec
import PushConfig
import Testing
import TestSupport
@testable import PushServer

/// Issue 15, row M1: one user's flood of access checks neither starves another user's check
/// (waiting checks are served round robin by user) nor makes a subscribe vanish silently (a
/// check that cannot be queued closes the session 1013 and is counted).
@Suite struct AccessCheckFairnessTests {
    /// A check that waits until the test creates `release`, then logs who it checked and admits.
    static func server(_ dir: CommandsTempDir, _ configure: (inout ServerConfig) -> Void = { _ in }) throws -> TestServer {
        try dir.writeScript("check.sh", """
        while [ ! -e "\(dir.path)/release" ]; do sleep 0.02; done
        echo "$1 $2" >> "\(dir.path)/order"
        echo true
        """)
        return try TestServer {
            $0.categories["recordUpdate"] = .init(paramList: ["scope", "id"], accessCheckCommand: "check.sh :userId :id")
            $0.accessCheck.commandPrefix = "sh"
            $0.accessCheck.workingDirectory = dir.path
            $0.accessCheck.maxConcurrent = 1
            configure(&$0)
        }
    }

    static func metric(_ server: TestServer, _ series: String) throws -> String? {
        let text = try HTTPClient(baseURL: server.httpURL).request("GET", "/metrics").bodyString()
        return text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.map { String($0.dropFirst(series.count + 1)) }
    }

    @Test func anotherUsersCheck_runsBeforeTheFloodIsDrained_andTheOverflowIsRefused1013() throws {
        let dir = try CommandsTempDir()
        defer { dir.remove() }
        let server = try Self.server(dir) { $0.accessCheck.maxQueuedPerUser = 4 }
        defer { server.stop() }
        let flooder = try server.wamp(user: "flood", token: try server.createToken(user: "flood"))
        let victim = try server.wamp(user: "victim", token: try server.createToken(user: "victim"))
        // One check runs (blocked), four wait: the flooder's share of the queue is full.
        for i in 1...5 { try flooder.subscribe("recordUpdate.Lead.a\(i)") }
        try flooder.roundTrip()
        try victim.subscribe("recordUpdate.Lead.b1")
        try victim.roundTrip()
        // The sixth cannot be queued: refused where the client sees it, not dropped.
        try flooder.subscribe("recordUpdate.Lead.a6")
        let closed = try flooder.closeFrame()
        #expect(closed.code == 1013)
        #expect(closed.reason == "try again later: access checks are busy")
        #expect(try Self.metric(server, #"wamp_push_subscriptions_refused_total{reason="access_check_queue_full"}"#) == "1")

        _ = FileManager.default.createFile(atPath: dir.path + "/release", contents: nil)
        #expect(eventually(10) { dir.lines("order").count == 6 })
        let order = dir.lines("order")
        let victimAt = order.firstIndex(of: "victim b1") ?? order.count
        let lastFlood = order.lastIndex { $0.hasPrefix("flood ") } ?? -1
        // FIFO would run it last (after a1 ... a5); round robin runs it second in line.
        #expect(victimAt < lastFlood, "checks ran in this order: \(order)")
        #expect(!order.contains("flood a6"))
        // And it took effect.
        #expect(eventually { server.server.subscriptionCount == 1 })
        _ = try BrokerIntegrationTests.publish(server, #"{"topicId":"recordUpdate.Lead.b1"}"#)
        #expect(try victim.nextEvent().topic == "recordUpdate.Lead.b1")
    }

    @Test func checksInFlightPastTheSessionCap_closeTheSession1013() throws {
        let dir = try CommandsTempDir()
        defer { dir.remove() }
        let server = try Self.server(dir) { $0.accessCheck.maxPendingPerSession = 2 }
        defer { server.stop() }
        let client = try server.wamp(user: "u1", token: try server.createToken(user: "u1"))
        for i in 1...3 { try client.subscribe("recordUpdate.Lead.\(i)") }
        let closed = try client.closeFrame()
        #expect(closed.code == 1013)
        #expect(closed.reason == "try again later: too many access checks in flight (limit 2)")
        #expect(try Self.metric(server, #"wamp_push_subscriptions_refused_total{reason="access_checks_in_flight"}"#) == "1")
        _ = FileManager.default.createFile(atPath: dir.path + "/release", contents: nil)
    }
}
