import Foundation
import PushConfig
import PushServer
import PushStore

/// `make run` on a fresh machine: a token for `admin`, printed once with the URLs and the
/// commands that use it. Every command line printed here runs as pasted from the directory the
/// server was started in (the repository root for `make run`): it names the binary by the path
/// that started this process and passes the database and certificate the server uses.
enum DevelopmentToken {
    static func printIfCreated(_ server: Server) throws {
        let token: String? = try server.store.sync { db in
            let tokens = TokenStore(database: db)
            guard try tokens.isEmpty() else { return nil }
            return try tokens.create(userId: "admin", now: Int64(Date().timeIntervalSince1970))
        }
        let binary = PrintedCommand.binary
        let db = PrintedCommand.quoted(server.config.database)
        guard let token else {
            print("")
            print("No development token created: the token table is not empty (a token is shown only when it is created).")
            print("  new token: \(binary) token create --user admin --db \(db)")
            print("")
            return
        }
        let secure = server.listeners.first { $0.info.isTLS }
        let plain = server.listeners.first { !$0.info.isTLS }
        let credentials = "userId=admin&authToken=\(token)"
        print("")
        print("Development token for user admin (the token table was empty; this is shown once):")
        print("  token:     \(token)")
        if let secure {
            let trust = PrintedCommand.developmentCertificate(server.config).map { " --cacert \(PrintedCommand.quoted($0))" } ?? ""
            print("  browser:   wss://\(secure.boundAddress)/wss?authToken=\(token)&userId=admin")
            print("  doctor:    \(binary) doctor --url wss://\(secure.boundAddress)/wss --user admin --token \(token)\(trust)")
        }
        if let plain {
            print("  plain ws:  ws://\(plain.boundAddress)/wss?authToken=\(token)&userId=admin")
            print("  subscribe: \(binary) subscribe --url ws://\(plain.boundAddress)/wss --user admin --token \(token) --topic WhatsApp")
            print("  publish:   \(binary) publish --url http://\(plain.boundAddress) --topic WhatsApp --data '{\"chatId\":\"1@c.us\",\"body\":\"hello\"}'")
        }
        if server.config.diagnostics.console {
            // The plain listener serves the console without the self-signed certificate prompt.
            if let plain { print("  console:   http://\(plain.boundAddress)/console?\(credentials)&autoconnect=1") }
            if let secure { print("  console:   https://\(secure.boundAddress)/console?\(credentials)&autoconnect=1 (accept the certificate first)") }
        }
        print("")
    }
}

/// How the printed command lines name things so that they paste and run.
enum PrintedCommand {
    /// The binary as this process was started: `.build/release/wamp-push` under `make run`,
    /// `wamp-push` when found through PATH, else the path given.
    static var binary: String {
        let argv0 = CommandLine.arguments.first ?? "wamp-push"
        guard argv0.contains("/") else { return argv0 }
        return quoted(argv0)
    }

    /// The generated development certificate, when a TLS listener uses it (doctor must trust it).
    static func developmentCertificate(_ config: ServerConfig) -> String? {
        guard let tls = config.listeners.first(where: { $0.tls != nil })?.tls, tls.generated else { return nil }
        return config.dataDirectory + "/tls/cert.pem"
    }

    /// The text as one shell word: unchanged when it holds only safe characters, else single-quoted.
    static func quoted(_ text: String) -> String {
        let safe = text.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "/._-:@+=,".unicodeScalars.contains($0) }
        return safe && !text.isEmpty ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
