import Foundation
@testable import PushServer
@testable import WhatsAppModule
import TestSupport

/// Files under `Fixtures/whatsapp/`.
enum WebhookFixture {
    static var directory: URL { Repository.url("Fixtures/whatsapp") }

    /// The exact bytes of `Fixtures/whatsapp/<name>`.
    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    /// Names of the files directly in `Fixtures/whatsapp/<subdirectory>` with extension `ext`.
    static func names(in subdirectory: String = "", ext: String) throws -> Set<String> {
        let url = subdirectory.isEmpty ? directory : directory.appendingPathComponent(subdirectory, isDirectory: true)
        return Set(try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(".\(ext)") })
    }
}

/// Ids and texts shared by the fixtures (see Fixtures/whatsapp/README.md).
enum WebhookSample {
    static let session = "espocrm-session"
    static let me = "491609876543@c.us"
    static let anna = "491701234567@c.us"
    static let ben = "491751112223@c.us"
    static let lid = "53859493912625@lid"
    static let memberLid = "11122233344455@lid"
    static let group = "120363000000000001@g.us"
    static let newsletter = "120363111111111111@newsletter"

    /// Fixture 13's body, written with escapes so the expected bytes do not depend on this file's encoding.
    static let unicodeBody = "Gr\u{FC}\u{DF}e aus K\u{F6}ln \u{1F44B}\n"
        + "\u{645}\u{631}\u{62D}\u{628}\u{627}\u{60C} \u{647}\u{644} \u{627}\u{644}\u{62F}\u{648}\u{631}\u{629} \u{645}\u{62A}\u{627}\u{62D}\u{629}\u{61F}\n"
        + "\u{5E9}\u{5DC}\u{5D5}\u{5DD} \u{5E2}\u{5D5}\u{5DC}\u{5DD}\n"
        + "\u{1F469}\u{1F3FD}\u{200D}\u{1F4BB} + \u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466} + \u{1F1E9}\u{1F1EA}\n"
        + "Mu\u{308}nchen \u{200F}RLM\u{200F} \"Zitat\" \\ Ende\ttab"

    static func message(_ id: String, chat: String, _ body: String, fromMe: Bool, _ timestamp: Int64, ack: Int,
                        type: String = "chat", hasMedia: Bool = false, author: String? = nil) -> WhatsAppMessage {
        WhatsAppMessage(id: id, chatId: chat, body: body, fromMe: fromMe, timestamp: timestamp, ack: ack, type: type,
                        hasMedia: hasMedia, author: author)
    }

    static let incoming01 = message("false_491701234567@c.us_3EB0AA11BB22CC33DD44", chat: anna,
                                    "Hallo, ist der Kurs noch frei? \u{1F642}", fromMe: false, 1735812000, ack: 1)
    static let outgoing02 = message("true_491701234567@c.us_3A0F9E8D7C6B5A493827", chat: anna, "Ja, gerne.",
                                    fromMe: true, 1735812060, ack: 0)
    static let apiSend03 = message("true_491701234567@c.us_3EB0FF00EE11DD22CC33", chat: anna,
                                   "Der Kurs beginnt am 3. M\u{E4}rz um 18:00.", fromMe: true, 1735812120, ack: 1)
}

/// What the parser must answer for one fixture.
enum WebhookExpectation: Sendable {
    case event(WebhookEvent)
    case error(WebhookError)
    /// For JSON syntax errors, whose sentence comes from `JSONParser`.
    case errorCode(status: Int, code: String)
}

/// Every webhook body fixture and its exact expected outcome.
enum WebhookExpectations {
    typealias S = WebhookSample

    static let missingID = WebhookError(status: 422, code: "missing_id",
                                        message: "The message has no id (data.message.id is missing or empty).")

    static func ignored(_ reason: String) -> WebhookExpectation { .event(.ignored(reason: reason)) }
    static func lifecycle(_ state: String, session: String = S.session) -> WebhookExpectation {
        .event(.lifecycle(sessionId: session, state: state))
    }
    static func message(_ m: WhatsAppMessage, _ source: String = "message") -> WebhookExpectation {
        .event(.message(m, source: source))
    }

    static let all: [(file: String, expected: WebhookExpectation)] = [
        ("01-incoming-text-message_create.json", message(S.incoming01, "message_create")),
        ("01-incoming-text-message.json", message(S.incoming01)),
        ("02-outgoing-from-phone-message_create.json", message(S.outgoing02, "message_create")),
        ("03-api-send-echo-message_create.json", message(S.apiSend03, "message_create")),
        ("04-group-incoming-author-lid-message.json", message(S.message(
            "false_120363000000000001@g.us_3EB0C0FFEE0000000001_11122233344455@lid", chat: S.group, "Wer kommt morgen?",
            fromMe: false, 1735812200, ack: 1, author: S.memberLid))),
        ("04-group-incoming-author-cus-message.json", message(S.message(
            "false_120363000000000001@g.us_3EB0C0FFEE0000000002_491751112223@c.us", chat: S.group, "Ich komme!",
            fromMe: false, 1735812210, ack: 1, author: S.ben))),
        ("05-group-outgoing-message_create.json", message(S.message(
            "true_120363000000000001@g.us_3EB0C0FFEE0000000003", chat: S.group, "Bis morgen, alle zusammen.",
            fromMe: true, 1735812300, ack: 1, author: S.me), "message_create")),
        ("06-lid-chat-message.json", message(S.message(
            "false_53859493912625@lid_3EB0AB0000000000000006", chat: S.lid, "Hallo, ich habe eine Frage zur Anmeldung.",
            fromMe: false, 1735812400, ack: 1))),
        ("07-newsletter-message.json", message(S.message(
            "false_120363111111111111@newsletter_3EB0NEWS000000000007", chat: S.newsletter,
            "Neue Kurstermine sind online.", fromMe: false, 1735812500, ack: 0))),
        ("08-status-broadcast-message.json", ignored("status@broadcast")),
        ("09-ack-read-known-id.json", .event(.ack(messageId: S.apiSend03.id, ack: 3, status: "Sent", chatId: S.anna))),
        ("09-ack-unknown-id.json", .event(.ack(messageId: "true_491701234567@c.us_3EB0DEADBEEF00000009", ack: 2,
                                               status: "Sent", chatId: S.anna))),
        ("09-ack-error.json", .event(.ack(messageId: S.outgoing02.id, ack: -1, status: "Failed", chatId: S.anna))),
        ("10-duplicate-delivery-message.json", message(S.message(
            "false_491701234567@c.us_3EB0D0D0D0D0D0D0D010", chat: S.anna, "Doppelt zugestellt?",
            fromMe: false, 1735812600, ack: 1))),
        ("11-media-image-no-caption-message.json", message(S.message(
            "false_491701234567@c.us_3EB0IMAGE00000000011", chat: S.anna, "", fromMe: false, 1735812700, ack: 1,
            type: "image", hasMedia: true))),
        ("11-media-document-caption-message.json", message(S.message(
            "false_491701234567@c.us_3EB0DOC0000000000011", chat: S.anna, "Stundenplan f\u{FC}r M\u{E4}rz",
            fromMe: false, 1735812710, ack: 1, type: "document", hasMedia: true))),
        ("12-media-event-template.json", ignored("event media is not handled")),
        ("13-unicode-message.json", message(S.message(
            "false_491701234567@c.us_3EB0UNICODE000000013", chat: S.anna, S.unicodeBody, fromMe: false, 1735812800, ack: 1))),
        ("13-unicode-escaped-message.json", message(S.message(
            "false_491701234567@c.us_3EB0UNICODE000000014", chat: S.anna, S.unicodeBody, fromMe: false, 1735812801, ack: 1))),
        ("14-ready.json", lifecycle("ready")),
        ("14-authenticated.json", lifecycle("authenticated")),
        ("14-qr.json", lifecycle("qr")),
        ("14-disconnected-logout.json", lifecycle("LOGOUT")),
        ("14-status-auth-failure.json", lifecycle("auth_failure")),
        ("14-change-state.json", lifecycle("CONNECTED")),
        ("15-revoke-everyone.json", ignored("event message_revoke_everyone is not handled")),
        ("15-revoked-type-message.json", ignored("system message type revoked")),
        ("16-system-e2e_notification.json", ignored("system message type e2e_notification")),
        ("16-system-notification_template.json", ignored("system message type notification_template")),
        ("16-system-call_log.json", ignored("system message type call_log")),
        ("16-system-protocol.json", ignored("system message type protocol")),
        ("16-system-gp2.json", ignored("system message type gp2")),
        ("17-empty-body.json", .error(WebhookError(status: 400, code: "empty_body", message: "The webhook body is empty."))),
        ("17-malformed-truncated.json", .errorCode(status: 400, code: "invalid_json")),
        ("17-malformed-trailing-comma.json", .errorCode(status: 400, code: "invalid_json")),
        ("17-not-an-object.json", .error(WebhookError(status: 400, code: "invalid_body",
                                                      message: "The webhook body must be a JSON object."))),
        ("18-missing-id.json", .error(missingID)),
        ("18-empty-id-object.json", .error(missingID)),
        ("18-empty-id-string.json", .error(missingID)),
        ("18-empty-serialized-id.json", .error(missingID)),
        ("19-unknown-datatype-vote_update.json", ignored("event vote_update is not handled")),
        ("19-waha-unknown-event-presence.update.json", ignored("event presence.update is not handled")),
        ("21-flat-data-string-timestamp.json", message(S.message(
            "false_491701234567@c.us_3EB0F1A7000000000021", chat: S.anna, "Flache Nachricht", fromMe: false,
            1735813300, ack: 1))),
        ("21-flat-data-iso-timestamp.json", message(S.message(
            "true_491701234567@c.us_3EB0F1A7000000000022", chat: S.anna, "Antwort mit Datum", fromMe: true,
            1735813400, ack: 0), "message_create")),
        ("24-waha-message.json", message(S.message(
            "false_491701234567@c.us_3EB0WAHA000000000024", chat: S.anna, "Hallo aus WAHA!", fromMe: false,
            1735812000, ack: 1))),
        ("24-waha-message.any-group-outgoing.json", message(S.message(
            "true_120363000000000001@g.us_3EB0WAHA000000000025", chat: S.group, "Gruppe: Raum 4 statt 2.", fromMe: true,
            1735812060, ack: 0, author: S.me), "message.any")),
        ("24-waha-session.status.json", lifecycle("WORKING", session: "default")),
        ("24-waha-state.change.json", lifecycle("CONNECTED", session: "default")),
        ("24-waha-hmac-vector.json", .error(WebhookError(
            status: 422, code: "missing_event",
            message: "The body has neither a wwebjs-api \"dataType\" nor a WAHA \"event\" string."))),
        ("25-waha-ack-group.json", .event(.ack(messageId: "true_120363000000000001@g.us_3EB0CAFE00000001_11122233344455@lid",
                                               ack: 3, status: "Sent", chatId: S.group))),
        ("25-waha-ack-direct.json", .event(.ack(messageId: "true_491701234567@c.us_3EB0WAHA000000000026", ack: 2,
                                                status: "Sent", chatId: S.anna))),
        ("25-waha-ack-name-only-error.json", .event(.ack(messageId: "true_491701234567@c.us_3EB0WAHA000000000027", ack: -1,
                                                         status: "Failed", chatId: S.anna))),
        ("26-wrong-type-body-number.json", .error(WebhookError(
            status: 422, code: "invalid_field", message: "data.message.body must be a string, not a number."))),
        ("26-wrong-type-fromMe-string.json", .error(WebhookError(
            status: 422, code: "invalid_field", message: "data.message.fromMe must be a boolean, not a string."))),
        ("26-wrong-type-timestamp-bool.json", .error(WebhookError(
            status: 422, code: "invalid_field",
            message: "data.message.timestamp must be unix seconds or an ISO 8601 date, not a boolean."))),
        ("26-wrong-type-datatype-number.json", .error(WebhookError(
            status: 422, code: "invalid_field", message: "dataType must be a string, not a number."))),
        ("26-no-event-name.json", .error(WebhookError(
            status: 422, code: "missing_event",
            message: "The body has neither a wwebjs-api \"dataType\" nor a WAHA \"event\" string."))),
        ("27-message-without-data-key.json", .error(WebhookError(
            status: 422, code: "missing_data", message: "A message event needs an object in data."))),
        ("27-message-data-without-message.json", .error(WebhookError(
            status: 422, code: "missing_data", message: "A message_create event needs an object in data.message."))),
        ("27-waha-message-without-payload.json", .error(WebhookError(
            status: 422, code: "missing_data", message: "A message event needs an object in payload."))),
    ]
}
