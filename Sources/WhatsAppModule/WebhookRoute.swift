import Foundation
import Logging
import PushBroker
import PushCodec
import PushHTTP
import PushStore

/// `POST /api/v1/WhatsApp/action/webhook` (Docs/whatsapp.md): parse either upstream shape, commit
/// (grouped with concurrent webhooks), publish once per new message or ack change, and only
/// then answer 200 — a 200 means durable. The sender was verified by the router
/// (`RouteAccess.webhookSender`: the webhook secret, or loopback when none is set).
package struct WebhookRoute: HTTPRoute {
    package init(committer: GroupCommitter, publisher: Publisher, stats: WhatsAppStats, log: Logger) {
        self.committer = committer
        self.publisher = publisher
        self.stats = stats
        self.log = log
    }

    package let committer: GroupCommitter
    package let publisher: Publisher
    package let stats: WhatsAppStats
    package let log: Logger

    package func refused(_ request: HTTPRequest, _ error: HTTPError) {
        stats.webhook(.unauthorized)
        log.debug("webhook sender refused", metadata: ["status": "\(error.status)", "reason": "\(error.message)"])
    }

    package func handle(_ request: HTTPRequest, _ context: RequestContext, _ respond: @escaping Respond) {
        let event: WebhookEvent
        switch WebhookParser.parse(body: request.body) {
        case .success(let e): event = e
        case .failure(let error):
            stats.webhook(.rejected)
            log.info("webhook rejected", metadata: ["status": "\(error.status)", "reason": "\(error.message)"])
            return respond(.error(error.httpError))
        }
        let publisher = self.publisher, stats = self.stats, log = self.log
        let now = Int64(Date().timeIntervalSince1970)
        switch event {
        case .ignored(let reason):
            stats.webhook(.ignored)
            log.debug("webhook ignored", metadata: ["reason": "\(reason)"])
            respond(.json(200, JSONValue.object(["success": true, "ignored": .string(reason)])))

        case .message(let message, _):
            let row = StoredMessage(message, createdAt: now)
            committer.submit({ db in try MessageStore(database: db).insert(row) }) { result in
                switch result {
                case .success(let inserted):
                    if inserted {
                        stats.webhook(.stored)
                        publisher.publish(topic: WhatsAppEventPayload.topic, payload: WhatsAppEventPayload.newMessage(row), source: .webhook)
                    } else {
                        stats.webhook(.duplicate)
                    }
                    respond(.json(200, JSONValue.object(["success": true, "duplicate": .bool(!inserted), "messageId": .string(row.messageId)])))
                case .failure(let error):
                    stats.webhook(.failed)
                    log.error("webhook store failed", metadata: ["error": "\(error)"])
                    respond(.error(.storeError("The message could not be stored.")))
                }
            }

        case .ack(let messageId, let ack, let status, _):
            committer.submit({ db in try MessageStore(database: db).updateAck(messageId: messageId, ack: ack, status: status) }) { result in
                switch result {
                case .success(let updated):
                    stats.webhook(.ack)
                    if let updated { publisher.publish(topic: WhatsAppEventPayload.topic, payload: WhatsAppEventPayload.ack(updated), source: .webhook) }
                    respond(.json(200, JSONValue.object(["success": true, "updated": .bool(updated != nil)])))
                case .failure(let error):
                    stats.webhook(.failed)
                    log.error("webhook ack update failed", metadata: ["error": "\(error)"])
                    respond(.error(.storeError("The ack could not be stored.")))
                }
            }

        case .lifecycle(let sessionId, let state):
            stats.webhook(.lifecycle)
            publisher.publish(topic: WhatsAppEventPayload.topic,
                              payload: WhatsAppEventPayload.lifecycle(sessionId: sessionId, state: state, timestamp: now), source: .webhook)
            respond(.json(200, JSONValue.object(["success": true, "state": .string(state)])))
        }
    }
}
