import Foundation
import PushServer
import PushStore

/// `make run` on a fresh machine: a token for `admin`, printed once with the URLs that use it.
enum DevelopmentToken {
    static func printIfCreated(_ server: Server) throws {
        let token: String? = try server.store.sync { db in
            let tokens = TokenStore(database: db)
            guard try tokens.isEmpty() else { return nil }
            return try tokens.create(userId: "admin", now: Int64(Date().timeIntervalSince1970))
        }
        guard let token else { return }
        let secure = server.listeners.first { $0.info.isTLS }
        let plain = server.listeners.first { !$0.info.isTLS }
        print("")
        print("Development token for user admin (the token table was empty; this is shown once):")
        print("  token:    \(token)")
        if let secure {
            print("  browser:  wss://\(secure.boundAddress)/wss?authToken=\(token)&userId=admin")
            print("  doctor:   wamp-push doctor --url wss://\(secure.boundAddress)/wss --user admin --token \(token) --cacert data/tls/cert.pem")
            print("  console:  https://\(secure.boundAddress)/console?userId=admin&authToken=\(token) (with diagnostics.console on)")
        }
        if let plain {
            print("  plain ws: ws://\(plain.boundAddress)/wss?authToken=\(token)&userId=admin")
            print("  publish:  wamp-push publish --url http://\(plain.boundAddress) --topic WhatsApp --data '{\"chatId\":\"1@c.us\"}'")
        }
        print("")
    }
}
