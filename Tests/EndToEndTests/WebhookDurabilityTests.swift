import Foundation
import PushClient
import PushCodec
import Testing

/// "A 200 means durable": kill -9 the server in the middle of a burst of webhooks, restart it on
/// the same database, and every message that got a 200 must be there.
@Suite(.serialized) struct WebhookDurabilityTests {
    static func webhook(_ id: String) -> [UInt8] {
        Array(#"""
        {"dataType":"message","sessionId":"s","data":{"message":{"id":{"_serialized":"false_1@c.us_\#(id)"},"body":"burst \#(id)","type":"chat","timestamp":1735812000,"from":"1@c.us","to":"2@c.us","fromMe":false,"ack":1,"hasMedia":false}}}
        """#.utf8)
    }

    /// SIGKILL (a crash) and SIGTERM (graceful shutdown: exit 0 within 5 s) in the middle of a burst.
    @Test(arguments: [SIGKILL, SIGTERM])
    func signalDuringABurst_losesNothingThatGot200(_ signal: Int32) throws {
        let first = try ServerProcess(arguments: ["serve", "--listen", "127.0.0.1:0", "--db", "data/durable.sqlite", "--log-level", "error"])
        defer { first.stop(); first.removeDirectory() }
        let line = try #require(first.waitForLine(containing: "listening: http://"))
        let base = String(line.split(separator: " ").last!.dropLast("/healthz".count))

        let acknowledged = Locked<[String]>([])
        let stop = Locked(false)
        let workers = 8
        let group = DispatchGroup()
        for w in 0..<workers {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                guard let client = try? HTTPClient(baseURL: base, connectTimeout: 2, requestTimeout: 5) else { return }
                var n = 0
                while !stop.value {
                    let id = "W\(w)N\(n)"
                    n += 1
                    guard let response = try? client.request("POST", "/api/v1/WhatsApp/action/webhook", body: Self.webhook(id)) else { return }
                    if response.status == 200 { acknowledged.mutate { $0.append(id) } }
                }
            }
        }
        // Let the burst run, then kill -9 while requests are in flight.
        let burst = Date().addingTimeInterval(60)
        while acknowledged.value.count < 300 && Date() < burst { usleep(5_000) }
        kill(first.process.processIdentifier, signal)
        stop.mutate { $0 = true }
        group.wait()
        if signal == SIGTERM { #expect(first.waitForExit(seconds: 5) == 0) }
        let acked = Set(acknowledged.value)
        #expect(acked.count >= 300)

        // Restart on the same database (same working directory) and count.
        let second = try ServerProcess(arguments: ["serve", "--listen", "127.0.0.1:0", "--db", "data/durable.sqlite", "--log-level", "error"],
                                       directory: first.directory)
        defer { second.stop() }
        #expect(second.waitForLine(containing: "listening: http://") != nil)
        second.stop()
        let stored = try storedIds(first.directory + "/data/durable.sqlite")
        let lost = acked.subtracting(stored)
        #expect(lost.isEmpty, "lost \(lost.count) of \(acked.count) acknowledged webhooks")
    }

    /// The upstream message ids now in the database (the restarted server recovered the WAL).
    func storedIds(_ path: String) throws -> Set<String> {
        let rows = try DurabilityStore.messageIds(path)
        return Set(rows.compactMap { $0.split(separator: "_").last.map(String.init) })
    }
}

final class Locked<T>: @unchecked Sendable {
    private var v: T
    private let lock = NSLock()
    init(_ v: T) { self.v = v }
    var value: T { lock.lock(); defer { lock.unlock() }; return v }
    func mutate(_ f: (inout T) -> Void) { lock.lock(); f(&v); lock.unlock() }
}
