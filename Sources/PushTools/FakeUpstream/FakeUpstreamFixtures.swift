import Foundation
import PushCodec

/// Loads the fake's response bodies: every `*.json` and `*.html` file of a directory, by name
/// without extension (`Fixtures/whatsapp-upstream/get-chats.json` is `get-chats`).
package enum FakeUpstreamFixtures {
    /// `Fixtures/whatsapp-upstream` under the working directory, else next to this source tree.
    package static func defaultDirectory(filePath: String = #filePath) -> String? {
        let relative = "Fixtures/whatsapp-upstream"
        let fm = FileManager.default
        let local = fm.currentDirectoryPath + "/" + relative
        if fm.fileExists(atPath: local) { return local }
        // Sources/PushServer/WhatsApp/<this file> -> package root.
        let root = URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let beside = root.appendingPathComponent(relative).path
        return fm.fileExists(atPath: beside) ? beside : nil
    }

    package static func load(_ directory: String) throws(FakeUpstreamError) -> [String: [UInt8]] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw FakeUpstreamError("cannot read the fixture directory \(directory): \(error.localizedDescription)")
        }
        var fixtures: [String: [UInt8]] = [:]
        for name in names.sorted() where name.hasSuffix(".json") || name.hasSuffix(".html") {
            let path = directory + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else {
                throw FakeUpstreamError("cannot read the fixture \(path)")
            }
            let bytes = [UInt8](data)
            if name.hasSuffix(".json") {
                do { _ = try JSONParser.parse(bytes) } catch {
                    throw FakeUpstreamError("the fixture \(path) is not valid JSON: \(error.message) at byte \(error.offset)")
                }
            }
            fixtures[String(name[..<(name.lastIndex(of: ".") ?? name.endIndex)])] = bytes
        }
        return fixtures
    }

    /// Messages of every `fetch-messages*` fixture, grouped by chat: the fake's starting history.
    package static func seedMessages(_ fixtures: [String: [UInt8]]) -> [String: [JSONValue]] {
        var byChat: [String: [JSONValue]] = [:]
        for name in fixtures.keys.sorted() where name.hasPrefix("fetch-messages") {
            guard let body = fixtures[name], let list = (try? JSONParser.parse(body))?["messages"]?.arrayValue else { continue }
            for message in list {
                if let chat = FakeUpstreamMessages.chatId(of: message) { byChat[chat, default: []].append(message) }
            }
        }
        return byChat
    }
}
