import Foundation
@testable import PushServer
@testable import PushTools
import Synchronization
import Testing
@testable import WhatsAppModule
import TestSupport

/// Settings changed at run time, and the bounded worker queue behind `UpstreamClient.run`.
@Suite struct UpstreamSettingsAndQueueTests {
    @Test func changedSettings_areUsedByTheNextCall() throws {
        let first = try UpstreamHarness()
        defer { first.stop() }
        let second = try FakeUpstream(apiKey: "key-2", fixtures: upstreamFixtureDirectory)
        second.start()
        defer { second.stop() }
        second.sessionState = .waitingForScan

        #expect(try first.client.sessionStatus().state == "CONNECTED")
        first.settings.update {
            $0.apiUrl = second.baseURL
            $0.apiKey = "key-2"
            $0.sessionId = "other_session-2"
        }
        #expect(try first.client.sessionStatus().state == "UNPAIRED")
        #expect(first.fake.requests.map(\.target) == ["/session/status/espocrm-session"])
        #expect(second.requests.map(\.target) == ["/session/status/other_session-2"])
        #expect(second.requests.first?.header("x-api-key") == "key-2")
    }

    @Test func clearedApiUrl_stopsCallsAtOnce() throws {
        let h = try UpstreamHarness()
        defer { h.stop() }
        _ = try h.client.sessionStatus()
        h.settings.update { $0.apiUrl = "" }
        #expect(throws: UpstreamError(.notConfigured, "whatsapp.apiUrl is not set")) { try h.client.sessionStatus() }
        #expect(h.fake.requests.count == 1)
    }

    @Test func workQueue_runsUpToItsLimitAtOnce_andTheRestLater() throws {
        let queue = UpstreamWorkQueue(limit: 2, maxPending: 10)
        let release = Mutex(false)
        let counters = Mutex((running: 0, peak: 0, done: 0))
        for _ in 0..<5 {
            let accepted = queue.submit {
                counters.withLock { $0.running += 1; $0.peak = max($0.peak, $0.running) }
                while !release.withLock({ $0 }) { usleep(2_000) }
                counters.withLock { $0.running -= 1; $0.done += 1 }
            }
            #expect(accepted)
        }
        #expect(eventually { counters.withLock { $0.running } == 2 })
        usleep(50_000)
        #expect(counters.withLock { $0.running } == 2)
        release.withLock { $0 = true }
        #expect(eventually { counters.withLock { $0.done } == 5 })
        #expect(counters.withLock { $0.peak } == 2)
    }

    @Test func workQueue_refusesWork_whenTheWaitListIsFull() throws {
        let queue = UpstreamWorkQueue(limit: 1, maxPending: 1)
        let release = Mutex(false)
        let ran = Mutex(0)
        let job: @Sendable () -> Void = {
            while !release.withLock({ $0 }) { usleep(2_000) }
            ran.withLock { $0 += 1 }
        }
        #expect(queue.submit(job))
        #expect(queue.submit(job))
        #expect(!queue.submit(job))
        release.withLock { $0 = true }
        #expect(eventually { ran.withLock { $0 } == 2 })
    }

    @Test func run_failsFast_whenTooManyCallsWait() throws {
        let h = try UpstreamHarness(timeouts: UpstreamTimeouts(connect: 1, request: 0.5, sessionStart: 1))
        defer { h.stop() }
        let client = UpstreamClient(settings: h.settings, timeouts: h.client.timeouts, maxConcurrentCalls: 1, maxWaitingCalls: 0)
        defer { client.closeConnections() }
        h.fake.setHang(route: "/session/status", true)
        let results = Mutex<[String]>([])
        client.run({ c throws(UpstreamError) in try c.sessionStatus() }) { r in
            results.withLock { $0.append((try? r.get()) == nil ? "failed" : "ok") }
        }
        client.run({ c throws(UpstreamError) in try c.sessionStatus() }) { r in
            if case .failure(let e) = r { results.withLock { $0.append(e.message) } }
        }
        #expect(eventually(3) { results.withLock { $0.count } == 2 })
        #expect(results.withLock { $0 } == ["too many WhatsApp API calls are already waiting (0); try again shortly", "failed"])
    }
}
