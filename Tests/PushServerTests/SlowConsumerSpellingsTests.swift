import Foundation
import PushClient
import Testing
@testable import PushServer

/// A slow consumer reached through more than one spelling of one event is still one slow consumer.
@Suite struct SlowConsumerSpellingsTests {
    @Test func slowSubscriberOfTwoSpellings_isClosedAndCountedOnce() throws {
        let server = try TestServer {
            $0.limits.sendBufferBytes = 64 * 1024
            $0.limits.outputHighWatermarkBytes = 32 * 1024
            $0.limits.outputLowWatermarkBytes = 8 * 1024
        }
        defer { server.stop() }
        let token = try server.createToken(user: "admin")
        let slow = try server.wamp(user: "admin", token: token)
        // One event for chat c1 goes to `WhatsApp` and to `WhatsApp.c1`: both reach this session.
        try slow.subscribe("WhatsApp")
        try slow.subscribe("WhatsApp.c1")
        try slow.roundTrip()
        let padding = String(repeating: "x", count: 8000)
        let http = try HTTPClient(baseURL: server.httpURL)
        // The client never reads; kernel buffers hold a few MB, so a few thousand 16 kB
        // publications are far more than enough. The answer to a publish comes after its walk.
        var published = 0
        while server.server.counters.slowConsumersClosed == 0 && published < 5000 {
            let body = #"{"topicId":"WhatsApp","chatId":"c1","n":\#(published),"pad":"\#(padding)"}"#
            #expect(try http.request("POST", "/internal/publish", body: Array(body.utf8)).status == 200)
            published += 1
        }
        #expect(server.server.counters.slowConsumersClosed == 1)
    }
}
