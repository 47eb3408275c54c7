import PushConfig
import PushStore
import PushTransport

/// What `serve` warns about at start, once each: trust the configuration leaves weaker than an
/// operator may expect (Docs/security.md). Pure, so the conditions are tested without a server.
enum SecurityWarnings {
    struct Warning: Sendable, Equatable {
        let message: String
        let metadata: [String: String]
    }

    static func atStart(_ config: ServerConfig, databasePermissions: UInt16?) -> [Warning] {
        var out: [Warning] = []
        let exposed = config.listeners.map(\.address).filter { address in
            (try? SocketAddress.parse(address))?.isLoopback == false
        }
        if config.whatsapp.webhookSecret == nil, !exposed.isEmpty {
            out.append(Warning(message: "no whatsapp.webhookSecret: webhooks are accepted only from loopback peers without forwarding headers",
                               metadata: ["listeners": exposed.joined(separator: ",")]))
        }
        if let mode = databasePermissions, mode & 0o044 != 0 {
            out.append(Warning(message: "the database file is readable by group or others; it holds the WhatsApp API key (chmod 600 it)",
                               metadata: ["path": config.database, "mode": "0" + String(mode, radix: 8)]))
        }
        return out
    }
}
