import Foundation
import Logging
@testable import PushEspo
import PushObservability
import Testing

/// The ingress's own rules, without a sender: DSN parsing, bind errors, exposure, bounded tables.
@Suite struct ZeroMQIngressTests {
    @Test func endpoint_parsesTheTwoTransports() throws {
        #expect(try ZeroMQEndpoint.parse("tcp://127.0.0.1:5555") == .tcp(host: "127.0.0.1", port: 5555))
        #expect(try ZeroMQEndpoint.parse("tcp://*:7777") == .tcp(host: "*", port: 7777))
        #expect(try ZeroMQEndpoint.parse("tcp://[::1]:5555") == .tcp(host: "::1", port: 5555))
        #expect(try ZeroMQEndpoint.parse("tcp://eth0:5555") == .tcp(host: "eth0", port: 5555))
        #expect(try ZeroMQEndpoint.parse("ipc:///run/wamp-push/espo.sock") == .ipc(path: "/run/wamp-push/espo.sock"))
        #expect(ZeroMQEndpoint.tcp(host: "::1", port: 0).bindString == "tcp://[::1]:*")
        #expect(ZeroMQEndpoint.tcp(host: "::1", port: 5555).description == "tcp://[::1]:5555")
    }

    @Test(arguments: [
        ("inproc://espo", "must be tcp://HOST:PORT or ipc://PATH"),
        ("udp://127.0.0.1:5555", "must be tcp://HOST:PORT or ipc://PATH"),
        ("127.0.0.1:5555", "must be tcp://HOST:PORT or ipc://PATH"),
        ("tcp://127.0.0.1", "a port is required (tcp://HOST:PORT)"),
        ("tcp://127.0.0.1:99999", "the port must be a number from 0 to 65535"),
        ("tcp://127.0.0.1:*", "the port must be a number from 0 to 65535"),
        ("tcp://:5555", "the host must be an address, * or an interface name"),
        ("tcp://::1:5555", "an IPv6 address is written [ADDRESS]:PORT"),
        ("tcp://[::1]5555", "an IPv6 address is written [ADDRESS]:PORT"),
        ("ipc://", "ipc:// needs a path"),
    ])
    func endpoint_refusesOthers_withOneLine(dsn: String, why: String) {
        #expect(throws: ZeroMQError.badEndpoint(dsn, why)) { try ZeroMQEndpoint.parse(dsn) }
        let line = ZeroMQError.badEndpoint(dsn, why).description
        #expect(line == "invalid ZeroMQ endpoint \"\(dsn)\": \(why)")
        #expect(!line.contains("\n"))
    }

    @Test func ingress_refusesABadDSN_beforeBinding() {
        #expect(throws: ZeroMQError.badEndpoint("tcp://localhost", "a port is required (tcp://HOST:PORT)")) {
            _ = try ZeroMQIngress(dsn: "tcp://localhost", logger: Logger(label: "test")) { _ in .published }
        }
    }

    @Test func ingress_refusesBadParameters() {
        #expect(throws: ZeroMQError.self) {
            _ = try ZeroMQIngress(dsn: "tcp://127.0.0.1:0", parameters: .init(receiveHighWaterMark: 0), logger: Logger(label: "test")) { _ in .published }
        }
        #expect(throws: ZeroMQError.self) {
            _ = try ZeroMQIngress(dsn: "tcp://127.0.0.1:0", parameters: .init(maxMessageBytes: 100, socketMaxMessageBytes: 50),
                                  logger: Logger(label: "test")) { _ in .published }
        }
    }

    @Test func exposureWarning_onlyForBindsOtherHostsReach() throws {
        for local in ["tcp://127.0.0.1:5555", "tcp://127.0.0.2:5555", "tcp://[::1]:5555", "tcp://localhost:5555", "tcp://lo:5555", "ipc:///tmp/x"] {
            #expect(ZeroMQEndpoint.exposureWarning(try ZeroMQEndpoint.parse(local)) == nil, "\(local)")
        }
        for exposed in ["tcp://*:5555", "tcp://0.0.0.0:5555", "tcp://10.0.0.5:5555", "tcp://[::]:5555", "tcp://eth0:5555", "tcp://127.0.0:5555"] {
            let warning = ZeroMQEndpoint.exposureWarning(try ZeroMQEndpoint.parse(exposed))
            #expect(warning?.contains("no authentication") == true, "\(exposed)")
        }
    }

    @Test func portInUse_isOneClearError() throws {
        let (first, _) = try recordingIngress()
        defer { first.stop() }
        let second = try ZeroMQIngress(dsn: first.dsn, logger: Logger(label: "test")) { _ in .published }
        #expect(throws: ZeroMQError.bindFailed(first.dsn, "Address already in use")) { try second.start() }
        #expect(throws: ZeroMQError.self) { try second.start() } // a failed ingress is not started twice
        second.stop()
    }

    @Test func unknownInterface_isOneClearError() throws {
        let ingress = try ZeroMQIngress(dsn: "tcp://nosuchif0:5555", logger: Logger(label: "test")) { _ in .published }
        #expect(throws: ZeroMQError.bindFailed("tcp://nosuchif0:5555", "no such address or interface on this host")) { try ingress.start() }
    }

    @Test func stopFreesThePort_andStopIsIdempotent() throws {
        let (first, _) = try recordingIngress()
        let port = first.boundPort
        first.stop()
        first.stop()
        let (second, _) = try recordingIngress(port: port)
        #expect(second.boundPort == port)
        second.stop()
        let neverStarted = try ZeroMQIngress(dsn: "tcp://127.0.0.1:0", logger: Logger(label: "test")) { _ in .published }
        neverStarted.stop()
        #expect(neverStarted.boundEndpoint == nil)
    }

    @Test func ipcEndpoint_binds() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wamp-push-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock").path
        let ingress = try ZeroMQIngress(dsn: "ipc://\(path)", logger: Logger(label: "test")) { _ in .published }
        try ingress.start()
        #expect(ingress.boundEndpoint == "ipc://\(path)")
        ingress.stop()
    }

    @Test func outcomeLabels_areBounded() {
        let counts = OutcomeCounts()
        for i in 0..<(OutcomeCounts.maxLabels + 10) { counts.add("label\(i)") }
        counts.add("label0")
        let snapshot = counts.snapshot
        #expect(snapshot.count == OutcomeCounts.maxLabels + 1)
        #expect(snapshot["other"] == 10)
        #expect(snapshot["label0"] == 2)
    }

    @Test func dropLogThrottle_letsOneLinePerSecondPerLabel() {
        final class Clock: @unchecked Sendable { var now = 0.0 } // the test's own thread only
        let clock = Clock()
        let throttle = LogThrottle(interval: 1, clock: { clock.now })
        #expect(throttle.admit("malformed") == 0)
        #expect(throttle.admit("malformed") == nil)
        #expect(throttle.admit("undeclared") == 0, "labels are throttled apart")
        #expect(throttle.admit("malformed") == nil)
        clock.now = 1.0
        #expect(throttle.admit("malformed") == 2)
        #expect(throttle.admit("malformed") == nil)
    }
}

/// The bound on publications the ingress has handed to the loops.
@Suite struct PublicationGateTests {
    @Test func aWaiterAtTheLimit_goesOnOnceOneLeaves_orTheGateCloses() {
        let gate = PublicationGate(limit: 2)
        gate.enter(1)
        gate.enter(1)
        #expect(gate.pending == 2)
        let done = DispatchSemaphore(value: 0)
        Thread { gate.enter(1); done.signal() }.start()
        gate.leave(1)
        #expect(done.wait(timeout: .now() + 30) == .success)
        #expect(gate.pending == 2)
        Thread { gate.enter(1); done.signal() }.start()
        gate.close()
        #expect(done.wait(timeout: .now() + 30) == .success)
        #expect(gate.pending == 3)
    }
}
