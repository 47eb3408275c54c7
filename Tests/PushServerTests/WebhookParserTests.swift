import PushCodec
@testable import PushServer
import PushStore
import Testing
@testable import WhatsAppModule

@Suite struct WebhookParserFixtureTests {
    @Test(arguments: WebhookExpectations.all.map(\.file))
    func parse_fixture_givesExactOutcome(file: String) throws {
        let expected = try #require(WebhookExpectations.all.first { $0.file == file }?.expected)
        let result = WebhookParser.parse(body: try WebhookFixture.bytes(file))
        switch expected {
        case .event(let event):
            #expect(result == .success(event))
        case .error(let error):
            #expect(result == .failure(error))
        case .errorCode(let status, let code):
            guard case .failure(let error) = result else { Issue.record("expected \(code), got \(result)"); return }
            #expect(error.status == status)
            #expect(error.code == code)
            #expect(error.message.hasPrefix("The webhook body is not valid JSON: "))
            #expect(error.message.contains("at byte"))
        }
    }

    @Test func everyWebhookFixture_hasAnExpectation() throws {
        let listed = Set(WebhookExpectations.all.map(\.file))
        #expect(listed.count == WebhookExpectations.all.count, "a fixture is listed twice")
        #expect(try WebhookFixture.names(ext: "json") == listed)
    }
}

@Suite struct WebhookParserBehaviourTests {
    typealias S = WebhookSample

    private func message(_ file: String) throws -> WhatsAppMessage {
        guard case .success(.message(let m, _)) = WebhookParser.parse(body: try WebhookFixture.bytes(file)) else {
            throw ExpectedMessage(file: file)
        }
        return m
    }

    struct ExpectedMessage: Error { let file: String }

    @Test func messageAndMessageCreate_sameId_giveEqualMessages() throws {
        let created = try message("01-incoming-text-message_create.json")
        let delivered = try message("01-incoming-text-message.json")
        #expect(created == delivered)
        #expect(created.status == "Received")
    }

    @Test func apiSendEcho_carriesTheIdSendMessageReturned() throws {
        let reply = try JSONParser.parse(try upstreamFixture("send-message.json"))
        let returned = try #require(reply["message"]?["id"]?["_serialized"]?.stringValue)
        #expect(try message("03-api-send-echo-message_create.json").id == returned)
    }

    @Test func outgoing_chatIsTo_andEqualsIdRemote() throws {
        let m = try message("02-outgoing-from-phone-message_create.json")
        #expect(m.chatId == S.anna)
        #expect(m.fromMe)
        #expect(m.status == "Sent")
    }

    @Test func unicodeBody_isByteExact_inRawAndEscapedSpelling() throws {
        let raw = try message("13-unicode-message.json").body
        let escaped = try message("13-unicode-escaped-message.json").body
        // Swift's String == ignores normalization; bytes do not.
        #expect(Array(raw.utf8) == Array(S.unicodeBody.utf8))
        #expect(Array(escaped.utf8) == Array(raw.utf8))
        let technologist: [UInt8] = [0xF0, 0x9F, 0x91, 0xA9, 0xF0, 0x9F, 0x8F, 0xBD, 0xE2, 0x80, 0x8D, 0xF0, 0x9F, 0x92, 0xBB]
        #expect(Array(raw.utf8).firstRange(of: technologist) != nil)
        // The decomposed "u + combining diaeresis" stays decomposed (no NFC): 'u', 0xCC 0x88.
        #expect(Array(raw.utf8).firstRange(of: Array("Mu\u{308}nchen".utf8)) != nil)
        #expect(Array(raw.utf8).firstRange(of: Array("M\u{FC}nchen".utf8)) == nil)
    }

    @Test func unicodeFixture_fileHoldsRawUTF8_notEscapes() throws {
        let bytes = try WebhookFixture.bytes("13-unicode-message.json")
        #expect(bytes.firstRange(of: Array("\u{1F469}\u{1F3FD}\u{200D}\u{1F4BB}".utf8)) != nil)
        #expect(try WebhookFixture.bytes("13-unicode-escaped-message.json").allSatisfy { $0 < 0x80 })
    }

    @Test func mediaEvent_ofSeveralMegabytes_isIgnoredNotStoredAsText() throws {
        let template = try JSONParser.parse(try WebhookFixture.bytes("12-media-event-template.json"))
        let base64 = String(repeating: "QUJD", count: 786_432)  // 3 MiB of base64 text
        guard case .object(var top) = template, case .object(var data)? = top["data"],
              case .object(var media)? = data["messageMedia"] else { throw ExpectedMessage(file: "12") }
        media.set("data", .string(base64))
        media.set("filesize", .number(2_359_296))
        data.set("messageMedia", .object(media))
        top.set("data", .object(data))
        let body = JSONValue.object(top).jsonBytes
        #expect(body.count > 3_145_728)
        #expect(WebhookParser.parse(body: body) == .success(.ignored(reason: "event media is not handled")))
    }

    @Test func messageAck_withoutDataAck_fallsBackToMessageAck() throws {
        let fixture = try JSONParser.parse(try WebhookFixture.bytes("09-ack-read-known-id.json"))
        guard case .object(var top) = fixture, case .object(let data)? = top["data"] else { throw ExpectedMessage(file: "09") }
        top.set("data", .object(data.removing("ack")))
        #expect(WebhookParser.parse(body: JSONValue.object(top).jsonBytes)
            == .success(.ack(messageId: S.apiSend03.id, ack: 3, status: "Sent", chatId: S.anna)))
    }

    @Test func messageAck_dataAckWins_overMessageAck() {
        let body = #"{"dataType":"message_ack","sessionId":"s","data":{"ack":4,"message":{"id":"true_1@c.us_AB","ack":2}}}"#
        #expect(WebhookParser.parse(body: Array(body.utf8))
            == .success(.ack(messageId: "true_1@c.us_AB", ack: 4, status: "Sent", chatId: "1@c.us")))
    }

    @Test func ack_withoutAnyAck_is422() {
        let body = #"{"dataType":"message_ack","sessionId":"s","data":{"message":{"id":"true_1@c.us_AB"}}}"#
        #expect(WebhookParser.parse(body: Array(body.utf8))
            == .failure(WebhookError(status: 422, code: "missing_field", message: "data.message.ack is required.")))
    }

    @Test func wahaAck_unknownAckName_is422() {
        let body = #"{"event":"message.ack","session":"default","payload":{"id":"true_1@c.us_AB","ackName":"SEEN"}}"#
        #expect(WebhookParser.parse(body: Array(body.utf8)) == .failure(WebhookError(
            status: 422, code: "invalid_field",
            message: "payload.ackName must be one of ERROR, PENDING, SERVER, DEVICE, READ, PLAYED, not a string.")))
    }

    @Test func incomingAck_onAReceivedMessage_keepsReceived() {
        let body = #"{"dataType":"message_ack","sessionId":"s","data":{"ack":3,"message":{"id":{"fromMe":false,"remote":"1@c.us","id":"AB","_serialized":"false_1@c.us_AB"}}}}"#
        #expect(WebhookParser.parse(body: Array(body.utf8))
            == .success(.ack(messageId: "false_1@c.us_AB", ack: 3, status: "Received", chatId: "1@c.us")))
    }

    @Test func message_withoutFromTo_takesChatFromIdRemote() {
        let body = #"{"dataType":"message","sessionId":"s","data":{"message":{"id":{"fromMe":false,"remote":"42@lid","id":"X","_serialized":"false_42@lid_X"},"body":"hi","timestamp":5}}}"#
        #expect(WebhookParser.parse(body: Array(body.utf8)) == .success(.message(
            S.message("false_42@lid_X", chat: "42@lid", "hi", fromMe: false, 5, ack: 0), source: "message")))
    }

    @Test func message_withOpaqueIdAndNoFromMe_is422() {
        let body = #"{"dataType":"message","sessionId":"s","data":{"message":{"id":"ABC","body":"hi","from":"1@c.us","timestamp":5}}}"#
        #expect(WebhookParser.parse(body: Array(body.utf8))
            == .failure(WebhookError(status: 422, code: "missing_field", message: "data.message.fromMe is required.")))
    }

    @Test func message_withoutTimestamp_usesRawT_elseIs422() {
        let withRaw = #"{"dataType":"message","sessionId":"s","data":{"message":{"id":"false_1@c.us_A","body":"x","from":"1@c.us","_data":{"t":77}}}}"#
        #expect(WebhookParser.parse(body: Array(withRaw.utf8)) == .success(.message(
            S.message("false_1@c.us_A", chat: "1@c.us", "x", fromMe: false, 77, ack: 0), source: "message")))
        let without = #"{"dataType":"message","sessionId":"s","data":{"message":{"id":"false_1@c.us_A","body":"x","from":"1@c.us"}}}"#
        #expect(WebhookParser.parse(body: Array(without.utf8))
            == .failure(WebhookError(status: 422, code: "missing_field", message: "data.message.timestamp is required.")))
    }

    @Test func emptyTextMessage_isIgnored_butEmptyMediaIsKept() throws {
        let empty = #"{"dataType":"message","sessionId":"s","data":{"message":{"id":"false_1@c.us_A","body":"","type":"chat","from":"1@c.us","timestamp":5}}}"#
        #expect(WebhookParser.parse(body: Array(empty.utf8)) == .success(.ignored(reason: "empty text message")))
        let image = try message("11-media-image-no-caption-message.json")
        #expect(image.body.isEmpty && image.hasMedia && image.type == "image")
    }

    @Test func lifecycle_withoutSessionId_is422() {
        #expect(WebhookParser.parse(body: Array(#"{"dataType":"ready"}"#.utf8))
            == .failure(WebhookError(status: 422, code: "missing_field", message: "sessionId is required.")))
    }

    @Test func wahaSessionStatus_2024Payload_takesSessionFromName() {
        let body = #"{"event":"session.status","payload":{"name":"default","status":"SCAN_QR_CODE"}}"#
        #expect(WebhookParser.parse(body: Array(body.utf8)) == .success(.lifecycle(sessionId: "default", state: "SCAN_QR_CODE")))
    }

    @Test func wahaEnvelopeTimestampInMilliseconds_isNotTheMessageTime() throws {
        let m = try message("24-waha-message.json")
        #expect(m.timestamp == 1_735_812_000)
    }

    @Test func whitespaceOnlyBody_isEmpty() {
        #expect(WebhookParser.parse(body: Array(" \r\n\t".utf8)) == .failure(WebhookError(
            status: 400, code: "empty_body", message: "The webhook body is empty.")))
    }

    @Test func fromAndToAsNumbers_are422WithTheField() {
        let body = #"{"dataType":"message","sessionId":"s","data":{"message":{"id":"false_1@c.us_A","body":"x","from":491,"timestamp":5}}}"#
        #expect(WebhookParser.parse(body: Array(body.utf8)) == .failure(WebhookError(
            status: 422, code: "invalid_field",
            message: "data.message.from must be a string or an object with _serialized, not a number.")))
    }

    @Test func idAsNumber_is422InvalidField() {
        let body = #"{"dataType":"message","sessionId":"s","data":{"message":{"id":17,"body":"x","from":"1@c.us","timestamp":5}}}"#
        #expect(WebhookParser.parse(body: Array(body.utf8)) == .failure(WebhookError(
            status: 422, code: "invalid_field",
            message: "data.message.id must be a string or an object with _serialized, not a number.")))
    }
}

@Suite struct WebhookParserStatusTests {
    @Test func status_followsDirectionAndAck() {
        #expect(WhatsAppMessage.status(fromMe: false, ack: -1) == "Received")
        #expect(WhatsAppMessage.status(fromMe: false, ack: 3) == "Received")
        #expect(WhatsAppMessage.status(fromMe: true, ack: -1) == "Failed")
        for ack in 0...4 { #expect(WhatsAppMessage.status(fromMe: true, ack: ack) == "Sent") }
    }

    @Test func ackNames_mapToWwebjsNumbers() {
        let names = ["ERROR", "PENDING", "SERVER", "DEVICE", "READ", "PLAYED"]
        #expect(names.map { WhatsAppMessage.ack(named: $0) } == [-1, 0, 1, 2, 3, 4])
        #expect(WhatsAppMessage.ack(named: "read") == 3)
        #expect(WhatsAppMessage.ack(named: "SEEN") == nil)
    }

    @Test func storedMessage_roundTrips() {
        let m = WebhookSample.message("false_g@g.us_X_a@lid", chat: "g@g.us", "hi", fromMe: false, 9, ack: 2,
                                      type: "image", hasMedia: true, author: "a@lid")
        let row = PushStore.StoredMessage(m, createdAt: 100)
        #expect(row.id == m.id && row.messageId == m.id && row.status == "Received" && row.createdAt == 100)
        #expect(WhatsAppMessage(row) == m)
    }
}
