import ArgumentParser
import Dispatch
import Foundation
import PushServer
import PushTools

/// `wamp-push fake-upstream`: a stand-in for wwebjs-api, so the WhatsApp module can be tried
/// (and `make demo` can show messages flowing) without a WhatsApp account.
struct FakeUpstreamCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-upstream",
        abstract: "Run a fake wwebjs-api (the WhatsApp HTTP API) serving Fixtures/whatsapp-upstream, optionally posting webhooks."
    )

    @Option(name: .long, help: "Port to listen on (0 picks a free one).") var port: UInt16 = 3000
    @Option(name: .long, help: "Address to listen on.") var host: String = "127.0.0.1"
    @Option(name: .long, help: "Require this x-api-key on requests, and send it with webhooks.") var apiKey: String?
    @Option(name: .long, help: "Directory of fixture JSON files (default: Fixtures/whatsapp-upstream).") var fixtures: String?
    @Option(name: .long, help: "Session state at start: connected, waiting-for-scan or absent.") var sessionState: String = "connected"
    @Option(name: .long, help: "POST an incoming-message webhook to this URL, e.g. http://127.0.0.1:8080/api/v1/WhatsApp/action/webhook.")
    var webhookUrl: String?
    @Option(name: .long, help: "Seconds between webhooks.") var every: Double = 3
    @Option(name: .long, help: "sessionId put into webhooks.") var sessionId: String = "espocrm-session"

    func validate() throws {
        guard ["connected", "waiting-for-scan", "absent"].contains(sessionState) else {
            throw ValidationError("--session-state must be connected, waiting-for-scan or absent")
        }
        guard every > 0 else { throw ValidationError("--every must be more than 0 seconds") }
    }

    func run() throws {
        let fake: FakeUpstream
        do {
            fake = try FakeUpstream(port: port, host: host, apiKey: apiKey, fixtures: fixtures)
        } catch {
            FileHandle.standardError.write("wamp-push: fake-upstream: \(error.description)\n".data(using: .utf8)!)
            throw ExitCode(1)
        }
        switch sessionState {
        case "absent": fake.sessionState = .absent
        case "waiting-for-scan": fake.sessionState = .waitingForScan
        default: fake.sessionState = .connected
        }
        fake.start()
        print("fake wwebjs-api listening: \(fake.baseURL) (session \(sessionState), api key \(apiKey == nil ? "not required" : "required"))")
        if let webhookUrl {
            do {
                try fake.startWebhookPump(url: webhookUrl, every: every, apiKey: apiKey, sessionId: sessionId) { event in
                    switch event {
                    case .delivered(let status, let chatId, let messageId):
                        print("webhook -> \(status): message \(messageId) from \(chatId)")
                    case .failed(let reason):
                        print("webhook failed: \(reason)")
                    }
                }
            } catch {
                FileHandle.standardError.write("wamp-push: fake-upstream: \(error.description)\n".data(using: .utf8)!)
                fake.stop()
                throw ExitCode(1)
            }
            print("posting a message webhook every \(every) s to \(webhookUrl)")
        }
        SignalWatcher.onTerminate {
            fake.stop()
            Foundation.exit(0)
        }
        dispatchMain()
    }
}
