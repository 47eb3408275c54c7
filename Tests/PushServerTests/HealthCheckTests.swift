import Foundation
import Logging
import PushCodec
import PushObservability
import PushStore
import Synchronization
import Testing
import TestSupport
@testable import PushServer

/// Issue 15 (slow-reader soak): a flood of `GET /healthz` costs one store probe, not one each.
@Suite struct HealthCheckTests {
    @Test func concurrentHealthChecks_shareOneProbe_andAllAreAnswered() throws {
        let directory = NSTemporaryDirectory() + "wamp-push-health-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try StoreService(path: directory + "/h.sqlite")
        let health = HealthCheck(store: store, log: Logger(label: "test"), throttle: LogThrottle(), cacheSeconds: 3600)
        let answered = Mutex<[Int]>([])
        for _ in 0..<500 { health.respond { response in answered.withLock { $0.append(response.status) } } }
        #expect(eventually { answered.withLock { $0.count } == 500 })
        #expect(answered.withLock { $0.allSatisfy { $0 == 200 } })
        #expect(health.probeCount == 1)
    }
}
