import FuzzSupport
import PushCodec
import WhatsAppModule

/// WhatsApp webhook body parser (`WebhookParser.parse(body:)`, public in WhatsAppModule). Checks: no
/// crash; refusals are 400 or 422 with a code and a sentence; the answer depends on the JSON value,
/// not its spelling (the body written back compactly parses to the same event or error); accepted
/// events carry what the route relies on (non-empty ids, chat and session, a known ack status).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let body = fuzzBytes(data, size)
    let result = WebhookParser.parse(body: body)
    switch result {
    case .failure(let error):
        invariant(error.status == 400 || error.status == 422, "status \(error.status) in \(error)")
        invariant(!error.code.isEmpty && !error.message.isEmpty, "refusal without code or message")
    case .success(let event):
        check(event)
    }
    if let json = try? JSONParser.parse(body) {
        let respelled = WebhookParser.parse(body: json.jsonBytes)
        invariant(respelled == result, "compact re-spelling gives \(respelled), the body gave \(result)")
    }
    return 0
}

@main
enum FuzzWebhook {
    static func main() { FuzzDriver.run(fuzzOneInput) }
}

func check(_ event: WebhookEvent) {
    let statuses = [WhatsAppMessage.sent, WhatsAppMessage.received, WhatsAppMessage.failed]
    switch event {
    case .message(let message, let source):
        invariant(!message.id.isEmpty && !message.chatId.isEmpty, "message without id or chat: \(message)")
        invariant(message.timestamp >= 0, "negative timestamp \(message.timestamp)")
        invariant(!source.isEmpty, "message without source")
        _ = message.status
    case .ack(let messageId, let ack, let status, let chatId):
        invariant(!messageId.isEmpty, "ack without message id")
        invariant(status == WhatsAppMessage.status(fromMe: true, ack: ack) || status == WhatsAppMessage.status(fromMe: false, ack: ack),
                  "ack \(ack) has status \(status)")
        invariant(statuses.contains(status), "unknown ack status \(status)")
        if let chatId { invariant(!chatId.isEmpty, "empty chat id on an ack") }
    case .lifecycle(let sessionId, let state):
        invariant(!sessionId.isEmpty && !state.isEmpty, "lifecycle without session or state")
    case .ignored(let reason):
        invariant(!reason.isEmpty, "ignored without a reason")
    }
}
