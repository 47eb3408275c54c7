/// One WhatsApp message as the webhook and the REST actions see it, whichever upstream sent it.
///
/// `id` is the upstream's serialized id (`false_491701234567@c.us_3EB0…`), kept verbatim: the widget
/// deduplicates pushed, polled and optimistic messages by it, and the store keys rows by it.
public struct WhatsAppMessage: Sendable, Equatable {
    /// The upstream serialized message id (never empty).
    public var id: String
    /// The chat: `fromMe ? to : from`, verbatim (`@c.us`, `@lid`, `@g.us`, `@newsletter` are not rewritten).
    public var chatId: String
    /// The text, or a media caption; `""` for media without a caption.
    public var body: String
    public var fromMe: Bool
    /// Unix seconds.
    public var timestamp: Int64
    /// The upstream delivery state: -1 error, 0 pending, 1 server, 2 device, 3 read, 4 played.
    public var ack: Int
    /// wwebjs `MessageTypes` value (`chat`, `image`, `ptt`, …).
    public var type: String
    public var hasMedia: Bool
    /// The sender inside a group chat; nil in 1:1 chats.
    public var author: String?

    public init(id: String, chatId: String, body: String, fromMe: Bool, timestamp: Int64, ack: Int,
                type: String, hasMedia: Bool, author: String?) {
        self.id = id
        self.chatId = chatId
        self.body = body
        self.fromMe = fromMe
        self.timestamp = timestamp
        self.ack = ack
        self.type = type
        self.hasMedia = hasMedia
        self.author = author
    }

    /// The status of this message (Docs/whatsapp.md) (see `status(fromMe:ack:)`).
    public var status: String { Self.status(fromMe: fromMe, ack: ack) }
}

extension WhatsAppMessage {
    /// The three statuses events and rows carry (Docs/whatsapp.md).
    public static let sent = "Sent", received = "Received", failed = "Failed"

    /// `Received` for incoming messages, `Failed` for an outgoing one whose ack is -1 (ERROR), else `Sent`.
    ///
    /// Deliberately only these three values: the legacy widget and the CRM know no others. The finer
    /// delivery state (server / device / read / played) travels beside it as the `ack` number.
    public static func status(fromMe: Bool, ack: Int) -> String {
        guard fromMe else { return received }
        return ack == ackError ? failed : sent
    }

    /// `MessageAck.ACK_ERROR` in wwebjs, `ERROR` in WAHA.
    public static let ackError = -1

    /// The ack number for a WAHA `ackName` (`ERROR`…`PLAYED`, the wwebjs numbers); nil for an unknown name.
    public static func ack(named name: String) -> Int? {
        switch name.uppercased() {
        case "ERROR": -1
        case "PENDING": 0
        case "SERVER": 1
        case "DEVICE": 2
        case "READ": 3
        case "PLAYED": 4
        default: nil
        }
    }
}
