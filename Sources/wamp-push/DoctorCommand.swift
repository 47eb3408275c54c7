import ArgumentParser
import PushConfig
import PushServer
import PushTools

/// `wamp-push doctor`: walks the path a browser takes (TCP, TLS, upgrade, wamp, token, WELCOME,
/// subscribe, publish, EVENT) and names the first thing that breaks, with the fix.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the whole push path like a browser would, and explain the first failure."
    )

    @Option(name: .long, help: "WebSocket URL a browser uses, e.g. wss://host:8443/wss.") var url: String
    @Option(name: .long, help: "User id.") var user: String
    @Option(name: .long, help: "Token of that user.") var token: String
    @Flag(name: .long, help: "Accept any server certificate (problems are still reported).") var insecure = false
    @Option(name: .long, help: "CA file to trust for wss (e.g. data/tls/cert.pem).") var cacert: String?
    @Option(name: .long, help: "Topic to subscribe and publish to.") var topic: String = ServerConfig.whatsAppCategory
    @Option(name: .customLong("publish-url"), help: "Base URL of /internal/publish (default: derived from --url).") var publishURL: String?
    @Option(name: .long, help: "publishSecret of the server, sent as a bearer token.") var secret: String?
    @Flag(name: .long, help: "Print one JSON object instead of lines.") var json = false

    func run() throws {
        let options = DoctorOptions(url: url, user: user, token: token, insecure: insecure, caFile: cacert,
                                    topic: topic, publishURL: publishURL, secret: secret)
        let steps = Doctor(options: options).run()
        if json {
            print(DoctorReport.json(steps))
        } else {
            print(DoctorReport.text(steps), terminator: "")
        }
        guard DoctorReport.allPassed(steps) else { throw ExitCode(1) }
    }
}
