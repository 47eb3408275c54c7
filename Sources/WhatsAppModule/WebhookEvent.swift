/// What one upstream webhook body means, once parsed (see `WebhookParser`).
public enum WebhookEvent: Sendable, Equatable {
    /// A message to store (idempotently, by `id`) and publish; `source` is the upstream event name
    /// (`message`, `message_create`, WAHA `message.any`, …) — the same message may come under several.
    case message(WhatsAppMessage, source: String)
    /// A delivery-state change for a message that may or may not be stored yet.
    /// `status` follows `WhatsAppMessage.status(fromMe:ack:)`; `chatId` is nil when the body does not say.
    case ack(messageId: String, ack: Int, status: String, chatId: String?)
    /// The upstream session changed state: `ready`, `authenticated`, `qr`, `auth_failure`, a WAState
    /// (`CONNECTED`, …), a disconnect reason (`LOGOUT`, …) or a WAHA session status (`WORKING`, …).
    case lifecycle(sessionId: String, state: String)
    /// Understood and deliberately not acted on (status posts, system messages, media payloads,
    /// unknown event names …); the route still answers 2xx so the upstream does not retry.
    case ignored(reason: String)
}
