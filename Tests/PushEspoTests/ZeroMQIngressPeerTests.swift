import Foundation
import PushEspo
import Synchronization
import Testing
import TestSupport

/// The ingress against real senders: our PHP script through php-zmq (sending as EspoCRM's
/// ZeroMQSender does) and pyzmq. Every wait has a deadline; nothing measures speed.
@Suite(.serialized, .enabled(if: Peers.php != nil, Peers.phpReason))
struct ZeroMQIngressPHPTests {
    @Test func burst_of10000_arrivesCompleteAndInOrder() throws {
        let (ingress, received) = try recordingIngress()
        defer { ingress.stop() }
        let sender = try Child(Peers.php!, [Peers.phpSender, ingress.dsn, #"{"seq":{seq},"topicId":"newNotification"}"#, "10000"])
        #expect(sender.wait(deadline: 120) == 0, "sender: \(sender.standardError)")
        #expect(eventually(60) { received.count >= 10_000 }, "received \(received.count) of 10000")
        #expect(sequenceNumbers(received.all) == Array(0..<10_000))
        #expect(ingress.counts == ["published": 10_000])
    }

    @Test func twoSendersAtOnce_eachArrivesCompleteAndInOrder() throws {
        let (ingress, received) = try recordingIngress()
        defer { ingress.stop() }
        let senders = try ["a", "b"].map { name in
            try Child(Peers.php!, [Peers.phpSender, ingress.dsn, #"{"sender":"\#(name)","seq":{seq},"topicId":"newNotification"}"#, "3000"])
        }
        for sender in senders { #expect(sender.wait(deadline: 120) == 0, "sender: \(sender.standardError)") }
        #expect(eventually(60) { received.count >= 6000 }, "received \(received.count) of 6000")
        #expect(sequenceNumbers(received.all, sender: "a") == Array(0..<3000))
        #expect(sequenceNumbers(received.all, sender: "b") == Array(0..<3000))
    }

    @Test func oneMessagePerProcess_asTheCRMSends_eachArrives() throws {
        let (ingress, received) = try recordingIngress()
        defer { ingress.stop() }
        for i in 0..<3 {
            let sender = try Child(Peers.php!, [Peers.phpSender, ingress.dsn, #"{"userId":"u1","seq":\#(i),"topicId":"newNotification"}"#])
            #expect(sender.wait(deadline: 60) == 0, "sender: \(sender.standardError)")
        }
        #expect(eventually(30) { received.count >= 3 })
        #expect(sequenceNumbers(received.all) == [0, 1, 2])
    }

    @Test func oversizeMessage_isCountedAndDropped_andTheNextIsDelivered() throws {
        let log = CapturedLog()
        let (ingress, received) = try recordingIngress(parameters: .init(maxMessageBytes: 200, socketMaxMessageBytes: 400), log: log)
        defer { ingress.stop() }
        let big = #"{"seq":1,"pad":""# + String(repeating: "x", count: 250) + #"","topicId":"newNotification"}"#
        for message in [big, #"{"seq":2,"topicId":"newNotification"}"#] {
            let sender = try Child(Peers.php!, [Peers.phpSender, ingress.dsn, message])
            #expect(sender.wait(deadline: 60) == 0, "sender: \(sender.standardError)")
        }
        #expect(eventually(30) { received.count >= 1 && ingress.counts["oversize"] == 1 }, "counts \(ingress.counts)")
        #expect(sequenceNumbers(received.all) == [2])
        #expect(ingress.counts == ["oversize": 1, "published": 1])
        #expect(log.all.contains { $0.contains("zeromq message dropped") && $0.contains("result=oversize") })
    }

    /// Above ZMQ_MAXMSGSIZE libzmq refuses the message and drops that connection; the next
    /// sender's message still arrives (the refused one is never read, so it is not counted).
    @Test func messageAboveTheSocketLimit_isRefused_andTheNextIsDelivered() throws {
        let (ingress, received) = try recordingIngress(parameters: .init(maxMessageBytes: 200, socketMaxMessageBytes: 400))
        defer { ingress.stop() }
        let huge = #"{"seq":1,"pad":""# + String(repeating: "x", count: 1000) + #"","topicId":"newNotification"}"#
        for message in [huge, #"{"seq":2,"topicId":"newNotification"}"#] {
            let sender = try Child(Peers.php!, [Peers.phpSender, ingress.dsn, message])
            #expect(sender.wait(deadline: 60) == 0, "sender: \(sender.standardError)")
        }
        #expect(eventually(30) { received.count >= 1 })
        #expect(sequenceNumbers(received.all) == [2])
        #expect(ingress.counts == ["published": 1])
    }

    @Test func handlerDrops_areCountedPerResult_andLoggedThrottled() throws {
        let log = CapturedLog()
        let now = Mutex<Double>(100)
        let (ingress, received) = try recordingIngress(log: log, clock: { now.withLock { $0 } }) { bytes in
            String(decoding: bytes, as: UTF8.self).contains("bad")
                ? .dropped(result: "malformed", reason: "not JSON") : .published
        }
        defer { ingress.stop() }
        let burst = try Child(Peers.php!, [Peers.phpSender, ingress.dsn, #"bad {seq}"#, "5"])
        #expect(burst.wait(deadline: 60) == 0)
        #expect(eventually(30) { received.count >= 5 })
        // One line for five drops within the same second.
        #expect(log.all.filter { $0.contains("result=malformed") }.count == 1)
        now.withLock { $0 += 1.5 }
        let later = try Child(Peers.php!, [Peers.phpSender, ingress.dsn, #"bad again"#])
        #expect(later.wait(deadline: 60) == 0)
        let good = try Child(Peers.php!, [Peers.phpSender, ingress.dsn, #"{"seq":7,"topicId":"newNotification"}"#])
        #expect(good.wait(deadline: 60) == 0)
        #expect(eventually(30) { received.count >= 7 })
        let lines = log.all.filter { $0.contains("result=malformed") }
        #expect(lines.count == 2)
        #expect(lines.last?.contains("suppressed=4") == true, "\(lines)")
        #expect(lines.last?.contains("reason=not JSON") == true)
        #expect(ingress.counts == ["malformed": 6, "published": 1])
    }

    /// The sender keeps sending on one connection while the ingress stops and a new one binds
    /// the same port: ZeroMQ reconnects by itself. What was in flight when the first closed is
    /// lost (counted below, not asserted); everything after the reconnect arrives, in order.
    @Test func restartOnTheSamePort_whileASenderKeepsSending_resumesDelivery() throws {
        let (first, before) = try recordingIngress()
        let port = first.boundPort
        let total = 3000
        let sender = try Child(Peers.php!, [Peers.phpSender, first.dsn, #"{"seq":{seq},"topicId":"newNotification"}"#, "\(total)", "1000"])
        defer { _ = sender.wait(deadline: 1) }
        #expect(eventually(60) { before.count >= 100 }, "first ingress got \(before.count)")
        first.stop()
        let countBefore = before.count
        // libzmq closes the old listener on its I/O thread: on a loaded machine the port can
        // still be held for a moment after stop() returned, so binding again may be retried.
        var rebound: (ZeroMQIngress, Received)?
        let bindDeadline = Date().addingTimeInterval(20)
        while rebound == nil {
            do { rebound = try recordingIngress(port: port) } catch {
                guard Date() < bindDeadline, "\(error)".contains("in use") else { throw error }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        let (second, after) = rebound!
        defer { second.stop() }
        #expect(sender.wait(deadline: 120) == 0, "sender: \(sender.standardError)")
        #expect(eventually(30) { sequenceNumbers(after.all).last == total - 1 }, "second ingress got \(after.count)")
        let a = sequenceNumbers(before.all), b = sequenceNumbers(after.all)
        #expect(before.count == countBefore, "nothing reaches a stopped ingress")
        #expect(a == Array(0..<a.count))
        #expect(b == Array(b.first!..<total), "after the reconnect: in order, no gaps")
        #expect(b.first! >= a.count)
        print("restart: \(a.count) before, \(b.count) after, \(total - a.count - b.count) lost while no ingress was bound")
    }
}

@Suite(.serialized, .enabled(if: Peers.python != nil, Peers.pythonReason))
struct ZeroMQIngressPythonTests {
    @Test func pythonSender_messagesArriveInOrder() throws {
        let (ingress, received) = try recordingIngress()
        defer { ingress.stop() }
        let sender = try Child(Peers.python!, [Peers.pythonSender, ingress.dsn, #"{"seq":{seq},"topicId":"recordUpdate.Account.a1"}"#, "500"])
        #expect(sender.wait(deadline: 60) == 0, "sender: \(sender.standardError)")
        #expect(eventually(30) { received.count >= 500 })
        #expect(sequenceNumbers(received.all) == Array(0..<500))
    }

    @Test func multipartMessage_isCountedAndDropped_andTheNextIsDelivered() throws {
        let (ingress, received) = try recordingIngress()
        defer { ingress.stop() }
        let multi = try Child(Peers.python!, [Peers.pythonSender, ingress.dsn, #"{"seq":1,"topicId":"newNotification"}"#, "1", "--multipart"])
        #expect(multi.wait(deadline: 60) == 0)
        let single = try Child(Peers.python!, [Peers.pythonSender, ingress.dsn, #"{"seq":2,"topicId":"newNotification"}"#])
        #expect(single.wait(deadline: 60) == 0)
        #expect(eventually(30) { received.count >= 1 && ingress.counts["multipart"] == 1 }, "counts \(ingress.counts)")
        #expect(sequenceNumbers(received.all) == [2])
    }
}
