import Foundation
import PushClient
import PushCodec
import Testing
import TestSupport

/// An unmodified EspoCRM's hand-over, end to end: `serve --espo-root` on the fixture tree, our
/// PHP sender sending as EspoCRM's ZeroMQSender, WAMP sessions authenticated through the
/// fixture's `command.php AuthTokenCheck` and access-checked through its `AclCheck`.
@Suite(.serialized, .enabled(if: EspoServer.php != nil, "php-cli with php-zmq is not installed (make test installs it when run as root)"))
struct EspoEndToEndTests {
    typealias User = EspoServer.User

    @Test func userScopedNotification_reachesOnlyThatUsersSessions() throws {
        let server = try EspoServer.start()
        defer { server.stop() }
        let alice1 = try server.session(EspoServer.alice, subscribe: ["newNotification"])
        let alice2 = try server.session(EspoServer.alice, subscribe: ["newNotification"])
        let bob = try server.session(EspoServer.bob, subscribe: ["newNotification"])
        #expect(server.waitForSubscriptions(3))
        #expect(try server.send(#"{"userId":"\#(EspoServer.alice.id)","topicId":"newNotification"}"#) == 0)
        #expect(try server.send(#"{"userId":"\#(EspoServer.bob.id)","topicId":"newNotification"}"#) == 0)
        let forAlice = #"[8,"newNotification",{"userId":"\#(EspoServer.alice.id)","topicId":"newNotification"}]"#
        #expect(try alice1.receiveText(timeout: 10) == forAlice)
        #expect(try alice2.receiveText(timeout: 10) == forAlice)
        // Bob's first event is his own: Alice's never reached him.
        #expect(try bob.receiveText(timeout: 10) == #"[8,"newNotification",{"userId":"\#(EspoServer.bob.id)","topicId":"newNotification"}]"#)
        #expect(server.calls.contains("AuthTokenCheck \(EspoServer.alice.token)"))
    }

    @Test func recordUpdate_goesThroughTheAccessCheck() throws {
        let server = try EspoServer.start()
        defer { server.stop() }
        let alice = try server.session(EspoServer.alice, subscribe: ["recordUpdate.Account.acc-alice"])
        let bob = try server.session(EspoServer.bob, subscribe: ["recordUpdate.Account.acc-alice", "recordUpdate.Account.acc-shared"])
        // Alice's and Bob's shared subscription pass; Bob's acc-alice is refused by AclCheck.
        #expect(server.waitForSubscriptions(2))
        #expect(eventually(10) { server.calls.contains("AclCheck --userId=\(EspoServer.bob.id) --scope=Account --id=acc-alice --action=read") })
        #expect(server.calls.contains("AclCheck --userId=\(EspoServer.alice.id) --scope=Account --id=acc-alice --action=read"))
        #expect(try server.send(#"{"topicId":"recordUpdate.Account.acc-alice"}"#) == 0)
        #expect(try server.send(#"{"topicId":"recordUpdate.Account.acc-shared"}"#) == 0)
        #expect(try alice.receiveText(timeout: 10) == #"[8,"recordUpdate.Account.acc-alice",{"topicId":"recordUpdate.Account.acc-alice"}]"#)
        #expect(try bob.receiveText(timeout: 10) == #"[8,"recordUpdate.Account.acc-shared",{"topicId":"recordUpdate.Account.acc-shared"}]"#)
    }

    @Test func undeclaredAndMalformedMessages_areCountedAndDropped_andTheNextIsDelivered() throws {
        let server = try EspoServer.start()
        defer { server.stop() }
        let alice = try server.session(EspoServer.alice, subscribe: ["newNotification"])
        #expect(server.waitForSubscriptions(1))
        for bad in [#"{"topicId":"noSuchCategory"}"#, "not json", #"{"userId":"\#(EspoServer.alice.id)"}"#, #"{"topicId":"newNotification","userId":7}"#] {
            #expect(try server.send(bad) == 0)
        }
        #expect(try server.send(#"{"seq":1,"topicId":"newNotification"}"#) == 0)
        #expect(try alice.receiveText(timeout: 10) == #"[8,"newNotification",{"seq":1,"topicId":"newNotification"}]"#)
        let sample = "wamp_push_zeromq_messages_total"
        #expect(eventually(10) { server.metric(#"\#(sample){result="published"}"#) == 1 })
        #expect(server.metric(#"\#(sample){result="unknown_topic"}"#) == 1)
        #expect(server.metric(#"\#(sample){result="invalid_json"}"#) == 1)
        #expect(server.metric(#"\#(sample){result="missing_topic"}"#) == 1)
        #expect(server.metric(#"\#(sample){result="invalid_user"}"#) == 1)
        #expect(server.process.stderr.contains("msg=\"zeromq message dropped\""))
        #expect(server.process.stderr.contains("result=unknown_topic"))
    }

    @Test func burstOf10000_reachesASubscriberCompleteAndInOrder() throws {
        let server = try EspoServer.start()
        defer { server.stop() }
        let alice = try server.session(EspoServer.alice, subscribe: ["newNotification"])
        #expect(server.waitForSubscriptions(1))
        let sender = try server.startSender(#"{"seq":{seq},"topicId":"newNotification"}"#, count: 10_000)
        var events: [String] = []
        while events.count < 10_000, let text = try? alice.receiveText(timeout: 30) { events.append(text) }
        #expect(sender.wait(deadline: 60) == 0)
        #expect(eventSequence(events) == Array(0..<10_000))
    }

    @Test func twoSendersAtOnce_eachInOrder() throws {
        let server = try EspoServer.start()
        defer { server.stop() }
        let alice = try server.session(EspoServer.alice, subscribe: ["newNotification"])
        #expect(server.waitForSubscriptions(1))
        let senders = try ["a", "b"].map { name in
            try server.startSender(#"{"sender":"\#(name)","seq":{seq},"topicId":"newNotification"}"#, count: 2000)
        }
        var events: [String] = []
        while events.count < 4000, let text = try? alice.receiveText(timeout: 30) { events.append(text) }
        for sender in senders { #expect(sender.wait(deadline: 60) == 0) }
        #expect(eventSequence(events, sender: "a") == Array(0..<2000))
        #expect(eventSequence(events, sender: "b") == Array(0..<2000))
    }

    /// wamp-push stops and starts again on the same ZeroMQ port while the sender keeps sending
    /// on one connection: ZeroMQ reconnects by itself. What the CRM sent while nothing was bound
    /// and was not still queued in its sender is lost (fire and forget); counted, not asserted.
    @Test func restartWhileASenderKeepsSending_deliveryResumes() throws {
        let first = try EspoServer.start()
        let port = Int(first.zeroMQ.split(separator: ":").last!)!
        let total = 5000
        let aliceBefore = try first.session(EspoServer.alice, subscribe: ["newNotification"])
        #expect(first.waitForSubscriptions(1))
        let sender = try first.startSender(#"{"seq":{seq},"topicId":"newNotification"}"#, count: total, intervalMicroseconds: 1000)
        var before: [String] = []
        while before.count < 100, let text = try? aliceBefore.receiveText(timeout: 30) { before.append(text) }
        first.stop()
        let second = try EspoServer.start(zeroMQPort: port)
        defer { second.stop() }
        let aliceAfter = try second.session(EspoServer.alice, subscribe: ["newNotification"])
        var after: [String] = []
        while let text = try? aliceAfter.receiveText(timeout: 30) {
            after.append(text)
            if eventSequence([text]).last == total - 1 { break }
        }
        #expect(sender.wait(deadline: 60) == 0)
        let a = eventSequence(before), b = eventSequence(after)
        #expect(a == Array(0..<a.count))
        #expect(b.last == total - 1, "the sender's last message arrived after the restart")
        #expect(b == b.sorted() && Set(b).count == b.count, "in order, no duplicates")
        #expect((b.first ?? 0) >= a.count)
        print("espo restart: \(a.count) before the stop, \(b.count) after the restart, \(total - a.count - b.count) not seen by the subscriber")
    }
}

/// `wamp-push espo-config` and `serve --espo-root` as a user runs them (no PHP needed: --no-php).
@Suite struct EspoConfigCommandTests {
    @Test func espoConfig_printsALoadableConfig_andNotesOnStderr() throws {
        let directory = NSTemporaryDirectory()
        let (status, out, err) = try ServerProcess.run(["espo-config", "--espo-root", EspoServer.fixture, "--no-php"], in: directory)
        #expect(status == 0, "\(err)")
        let config = try JSONParser.parse(out)
        #expect(config["espo"]?["zeroMQ"] == "tcp://127.0.0.1:5555")
        #expect(config["auth"]?["verifyCommand"] == "php command.php AuthTokenCheck :token")
        #expect(config["categories"]?["WhatsApp"] == ["paramList": ["chatId"]])
        let notes = err.split(separator: "\n")
        #expect(!notes.isEmpty && notes.allSatisfy { $0.hasPrefix("wamp-push: note: ") }, "\(err)")
        #expect(err.contains("EspoCRM's defaults assumed"))
        // The printed file is a --config file as it stands.
        let file = directory + "espo-\(UUID().uuidString).json"
        try out.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let server = try ServerProcess(arguments: ["serve", "--config", file, "--listen", "127.0.0.1:0", "--espo-zeromq", "tcp://127.0.0.1:0",
                                                   "--db", "data/e2e.sqlite"])
        defer { server.stop(); server.removeDirectory() }
        #expect(server.waitForLine(containing: "listening: http://") != nil, "\(server.stderr)")
    }

    @Test func notAnEspoRoot_isOneLine_forBothCommands() throws {
        let directory = NSTemporaryDirectory()
        for arguments in [["espo-config", "--espo-root", directory, "--no-php"],
                          ["serve", "--espo-root", "/nonexistent/espocrm", "--db", "data/e2e.sqlite"]] {
            let (status, out, err) = try ServerProcess.run(arguments, in: directory)
            #expect(status == 1)
            #expect(out.isEmpty)
            let lines = err.split(separator: "\n")
            #expect(lines.count == 1, "\(err)")
            #expect(lines.first?.hasPrefix("wamp-push: --espo-root ") == true, "\(err)")
        }
    }

    @Test func badZeroMQFlag_isOneLineNamingTheKey() throws {
        let (status, _, err) = try ServerProcess.run(["serve", "--espo-zeromq", "tcp://127.0.0.1", "--db", "data/e2e.sqlite"],
                                                     in: NSTemporaryDirectory())
        #expect(status == 1)
        #expect(err == "wamp-push: invalid config: espo.zeroMQ: invalid ZeroMQ endpoint \"tcp://127.0.0.1\": a port is required (tcp://HOST:PORT)\n")
    }
}
