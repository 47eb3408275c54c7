import ArgumentParser
import Foundation
import PushClient
import PushCodec
import PushServer
import PushTransport

/// `wamp-push publish`: what a backend does with `POST /internal/publish`, from a shell.
struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish an event through a running server's /internal/publish."
    )

    @Option(name: .long, help: "Topic, e.g. WhatsApp or WhatsApp.<chatId>.") var topic: String
    @Option(name: .long, help: "Deliver only to this user's sessions.") var user: String?
    @Option(name: .long, help: "Event data: a JSON object (topicId and userId are added).") var data: String = "{}"
    @Option(name: .long, help: "Server base URL.") var url: String = "http://127.0.0.1:8080"
    @Option(name: .long, help: "The server's publishSecret (or WAMP_PUSH_PUBLISH_SECRET).") var secret: String?
    @Option(name: .long, help: "CA file to trust for an https URL (e.g. data/tls/cert.pem).") var cacert: String?
    @Flag(name: .long, help: "Do not verify the server certificate.") var insecure = false

    func run() throws {
        CommandLineErrors.warnAboutEnvironment() // a mistyped WAMP_PUSH_PUBLISH_SECRET would go unsaid
        let parsed: JSONValue
        do { parsed = try JSONParser.parse(data) } catch { throw ValidationError("--data is not valid JSON: \(error.message)") }
        guard case .object(var event) = parsed else { throw ValidationError("--data must be a JSON object") }
        event.set("topicId", .string(topic))
        if let user { event.set("userId", .string(user)) }

        var headers: [(String, String)] = []
        if let secret = secret ?? ProcessInfo.processInfo.environment["WAMP_PUSH_PUBLISH_SECRET"] {
            headers.append(("Authorization", "Bearer \(secret)"))
        }
        let tls: TLSContext? = url.hasPrefix("https") ? try TLSContext.client(verifyPeer: !insecure, caFile: cacert) : nil
        let response: HTTPClientResponse
        do {
            let client = try HTTPClient(baseURL: url, tls: tls, connectTimeout: 5, requestTimeout: 10)
            response = try client.request("POST", "/internal/publish", headers: headers, body: JSONValue.object(event).jsonBytes)
        } catch {
            FileHandle.standardError.write("wamp-push: cannot publish to \(url): \(error)\n".data(using: .utf8)!)
            throw ExitCode(1)
        }
        guard response.status == 200 else {
            // wamp-push's refusals are {"error","message"}; anything else is quoted as it came.
            let body = try? JSONParser.parse(response.body)
            let reason = body?["message"]?.stringValue ?? response.bodyString()
            let code = body?["error"]?.stringValue.map { " \($0)" } ?? ""
            FileHandle.standardError.write("wamp-push: publish refused (\(response.status)\(code)): \(reason)\n".data(using: .utf8)!)
            throw ExitCode(1)
        }
        print(response.bodyString())
    }
}
