import PushCodec
import PushHTTP
import PushBroker

/// Stands in for the WhatsApp module on the nodes of a cluster that do not run it: its SQLite
/// store (messages, saved settings) lives on one node, `cluster.whatsAppNode`. Every
/// `/api/v1/WhatsApp/` request here is answered `421 Misdirected Request` naming that node, so
/// a proxy without the route to it (Docs/cluster.md, "WhatsApp") shows at once. The module's
/// events still reach every node's sessions through the bus.
package final class WhatsAppElsewhere: ServerModule {
    package let name = "whatsapp-elsewhere"
    static let prefix = "/api/v1/WhatsApp/"
    private let node: String?

    /// `node`: the node id that runs the module (nil: none does).
    package init(node: String?) { self.node = node }

    package func registerRoutes(_ routes: Router.Builder) {
        let where_ = node.map { "node \($0)" } ?? "no node of this cluster (set cluster.whatsAppNode)"
        let message = "The WhatsApp module runs on \(where_); route \(Self.prefix) there (Docs/cluster.md)."
        let answer = ClosureRoute { _, _, respond in
            respond(.error(.whatsAppElsewhere(message)))
        }
        for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] { routes.addPrefix(method, Self.prefix, .anyone, answer) }
    }

    package func startupWarnings() -> [String] {
        node == nil ? ["cluster mode without cluster.whatsAppNode: no node runs the WhatsApp module; its routes answer 421"] : []
    }
}

extension HTTPError {
    /// `421`: the WhatsApp module runs on another node of the cluster.
    fileprivate static func whatsAppElsewhere(_ message: String) -> HTTPError {
        HTTPError(status: 421, code: "whatsapp_elsewhere", message: message)
    }
}
