import Foundation
import PushCodec
import PushConfig
import PushServer
import Testing
import TestSupport

/// The complete example in Docs/configuration.md loads and passes validation (issue 11).
@Suite struct DocsExampleConfigTests {
    @Test func completeExample_inConfigurationDoc_loads() throws {
        let doc = try String(contentsOf: Repository.url("Docs/configuration.md"), encoding: .utf8)
        let section = try #require(doc.range(of: "## A complete example"))
        let start = try #require(doc.range(of: "```json\n", range: section.upperBound..<doc.endIndex))
        let end = try #require(doc.range(of: "```", range: start.upperBound..<doc.endIndex))
        var config = ServerConfig()
        try ConfigLoader.apply(json: try JSONParser.parse(String(doc[start.upperBound..<end.lowerBound])), to: &config)
        try ConfigLoader.validate(config)
        #expect(config.publishSecret == "change-me")
        #expect(config.listeners.count == 2)
        #expect(config.whatsapp.webhookSecret == "another-secret")
    }
}
