import Foundation
import PushCodec
@testable import PushServer
@testable import PushTools
import PushTransport
@testable import WhatsAppModule

/// `Fixtures/whatsapp-upstream` of this package.
let upstreamFixtureDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/whatsapp-upstream").path

/// The bytes of one fixture file.
func upstreamFixture(_ file: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: upstreamFixtureDirectory + "/" + file)))
}

/// The list member of a fixture response body (`chats`, `contacts`, `messages`).
func upstreamFixtureList(_ file: String, _ member: String) throws -> [JSONValue] {
    try JSONParser.parse(try upstreamFixture(file))[member]?.arrayValue ?? []
}

/// Short timeouts: every failure test finishes in well under a second.
let upstreamTestTimeouts = UpstreamTimeouts(connect: 1, request: 2, sessionStart: 2)

/// A started fake upstream and a client pointed at it.
final class UpstreamHarness: Sendable {
    let fake: FakeUpstream
    let settings: UpstreamSettingsBox
    let client: UpstreamClient

    init(fakeKey: String? = nil, clientKey: String = "", timeouts: UpstreamTimeouts = upstreamTestTimeouts) throws {
        fake = try FakeUpstream(apiKey: fakeKey, fixtures: upstreamFixtureDirectory)
        fake.start()
        settings = UpstreamSettingsBox(UpstreamSettings(apiUrl: fake.baseURL, apiKey: clientKey, sessionId: "espocrm-session"))
        client = UpstreamClient(settings: settings, timeouts: timeouts)
    }

    func stop() {
        client.closeConnections()
        fake.stop()
    }
}

/// A loopback port nothing listens on (bound, then closed at once).
func upstreamClosedPort() throws -> UInt16 {
    let fd = try Socket.listen(on: SocketAddress(host: "127.0.0.1", port: 0))
    let port = Socket.localAddress(fd)?.port ?? 0
    Socket.close(fd)
    return port
}

/// Polls `condition` every 10 ms for at most `seconds`.
func upstreamEventually(_ seconds: Double = 5, _ condition: () -> Bool) -> Bool {
    let end = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while ContinuousClock.now < end {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

/// The `id._serialized` of each message.
func upstreamIds(_ messages: [JSONValue]) -> [String] {
    messages.map { $0["id"]?["_serialized"]?.stringValue ?? "?" }
}
