import Foundation
import PushCodec
@testable import PushServer
@testable import PushTools
import PushTransport
@testable import WhatsAppModule
import TestSupport

/// `Fixtures/whatsapp-upstream` of this package.
let upstreamFixtureDirectory = Repository.url("Fixtures/whatsapp-upstream").path

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



/// The `id._serialized` of each message.
func upstreamIds(_ messages: [JSONValue]) -> [String] {
    messages.map { $0["id"]?["_serialized"]?.stringValue ?? "?" }
}
