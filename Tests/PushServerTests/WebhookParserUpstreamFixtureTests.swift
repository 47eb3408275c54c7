import Foundation
import PushCodec
import Testing

/// The upstream REST response fixtures are well-formed and described by
/// `Fixtures/whatsapp-upstream/manifest.json`.
@Suite struct WebhookParserUpstreamFixtureTests {
    struct Entry { let file: String, status: Int, contentType: String }

    private func manifest() throws -> [Entry] {
        let json = try JSONParser.parse(try upstreamFixture("manifest.json"))
        return try #require(json["responses"]?.arrayValue).map { item in
            Entry(file: try #require(item["file"]?.stringValue), status: Int(try #require(item["status"]?.int64Value)),
                  contentType: try #require(item["contentType"]?.stringValue))
        }
    }

    @Test func manifest_listsEveryUpstreamFileOnce() throws {
        let entries = try manifest()
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: upstreamFixtureDirectory))
            .subtracting(["manifest.json"])
        #expect(Set(entries.map(\.file)) == files)
        #expect(entries.count == files.count)
    }

    @Test func jsonResponses_parse_andSuccessFlagMatchesTheirMeaning() throws {
        for entry in try manifest() where entry.contentType.hasPrefix("application/json") {
            let json = try JSONParser.parse(try upstreamFixture(entry.file))
            let success = try #require(json["success"]?.boolValue as Bool?, "\(entry.file)")
            let failing = entry.status != 200 || entry.file.contains("not-") || entry.file.contains("-not")
            #expect(success == !failing, "\(entry.file)")
            // Failures carry `error` (4xx/5xx) or `message` (200 with success:false).
            if !success { #expect(json["error"]?.stringValue != nil || json["message"]?.stringValue != nil, "\(entry.file)") }
        }
    }

    @Test func sessionStatus_coversTheThreeStates() throws {
        let states = try ["not-found", "not-connected", "connected"].map { name in
            let json = try JSONParser.parse(try upstreamFixture("session-status-\(name).json"))
            return [json["state"] ?? .null, json["message"] ?? .null]
        }
        #expect(states == [[.null, "session_not_found"], ["UNPAIRED", "session_not_connected"],
                           ["CONNECTED", "session_connected"]])
    }

    @Test func alreadyExists_andChatNotFound_haveTheUpstreamWording() throws {
        let exists = try JSONParser.parse(try upstreamFixture("session-start-exists.json"))
        #expect(exists["error"] == "Session already exists for: espocrm-session")
        let notFound = try JSONParser.parse(try upstreamFixture("error-chat-not-found.json"))
        #expect(notFound["error"] == "Chat not Found")
    }

    @Test func express404_isNotJSON() throws {
        let page = try upstreamFixture("express-404-get-chat-messages.html")
        #expect(throws: JSONError.self) { try JSONParser.parse(page) }
        #expect(String(decoding: page, as: UTF8.self).contains("<pre>Cannot GET /client/getChatMessages/espocrm-session</pre>"))
    }

    @Test func fetchMessages_isOldestFirst_withObjectIds() throws {
        let json = try JSONParser.parse(try upstreamFixture("fetch-messages.json"))
        let messages = try #require(json["messages"]?.arrayValue)
        let times = messages.compactMap { $0["timestamp"]?.int64Value }
        #expect(times == [1_735_812_000, 1_735_812_060, 1_735_812_120, 1_735_812_180, 1_735_812_240])
        #expect(messages.allSatisfy { $0["id"]?["_serialized"]?.stringValue != nil })
    }
}
