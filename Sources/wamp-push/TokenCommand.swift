import ArgumentParser
import Foundation
import PushServer
import PushStore

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manage the tokens browsers authenticate with (stored as SHA-256 only).",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token and print it (the only time it is shown).")
        @OptionGroup var options: ServerOptions
        @Option(name: .long, help: "The user id the token belongs to.") var user: String
        @Option(name: .long, help: "Lifetime such as 30d, 12h, 45m or 3600s (default: never expires).") var expires: String?

        func run() throws {
            let userId = TokenStore.strip(user)
            guard !userId.isEmpty else { throw ValidationError("--user must contain characters of [A-Za-z0-9-]") }
            var expiresAt: Int64?
            if let expires {
                guard let seconds = TokenAdmin.parseDuration(expires) else {
                    throw ValidationError("--expires: '\(expires)' is not a duration like 30d, 12h, 45m or 3600s")
                }
                expiresAt = Int64(Date().timeIntervalSince1970) + seconds
            }
            let store = try TokenAdmin.openStore(options)
            let token = try store.sync { db in
                try TokenStore(database: db).create(userId: userId, expiresAt: expiresAt, now: Int64(Date().timeIntervalSince1970))
            }
            store.close()
            print(token)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (hash prefix, user, state, dates).")
        @OptionGroup var options: ServerOptions

        func run() throws {
            let store = try TokenAdmin.openStore(options)
            let records = try store.sync { db in try TokenStore(database: db).list() }
            store.close()
            print("HASH          USER                 STATE    CREATED               LAST ACCESS           EXPIRES")
            for r in records {
                let state = !r.isActive ? "revoked" : (r.expiresAt.map { $0 <= Int64(Date().timeIntervalSince1970) } == true ? "expired" : "active")
                print([String(r.tokenHash.prefix(12)).padding(13), r.userId.padding(20), state.padding(8),
                       TokenAdmin.date(r.createdAt).padding(21), TokenAdmin.date(r.lastAccess).padding(21),
                       TokenAdmin.date(r.expiresAt)].joined(separator: " "))
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a token, or every token of a user. A running server closes their sessions within a second.")
        @OptionGroup var options: ServerOptions
        @Argument(help: "The token to revoke.") var token: String?
        @Option(name: .long, help: "Revoke every active token of this user instead.") var user: String?

        func validate() throws {
            if (token == nil) == (user == nil) { throw ValidationError("give either a TOKEN or --user USER") }
        }

        func run() throws {
            let store = try TokenAdmin.openStore(options)
            defer { store.close() }
            if let token {
                let revoked = try store.sync { db in try TokenStore(database: db).revoke(token: token) }
                if !revoked, try options.resolve().cluster.redis != nil {
                    // Maybe another node's token: the running server revokes it in the cluster's table.
                    try store.sync { db in try TokenStore(database: db).requestRevocation(tokenHash: TokenStore.hash(token)) }
                    print("no token of this node matches; asked the cluster to revoke it (the running server does within a second)")
                    return
                }
                guard revoked else {
                    FileHandle.standardError.write("wamp-push: no active token matches\n".data(using: .utf8)!)
                    throw ExitCode(1)
                }
                print("revoked 1 token")
            } else if let user {
                let hashes = try store.sync { db in try TokenStore(database: db).revokeAll(userId: TokenStore.strip(user)) }
                print("revoked \(hashes.count) token\(hashes.count == 1 ? "" : "s") of \(user)")
            }
        }
    }
}

enum TokenAdmin {
    static func openStore(_ options: ServerOptions) throws -> StoreService {
        let config = try options.resolve()
        do { return try StoreService(path: config.database) } catch {
            throw ValidationError("cannot open database \(config.database): \(error)")
        }
    }

    /// `30d`, `12h`, `45m`, `3600s` or plain seconds.
    static func parseDuration(_ s: String) -> Int64? {
        let units: [Character: Int64] = ["d": 86_400, "h": 3_600, "m": 60, "s": 1]
        if let unit = s.last, let factor = units[unit], let n = Int64(s.dropLast()), n > 0 { return n * factor }
        if let n = Int64(s), n > 0 { return n }
        return nil
    }

    static func date(_ t: Int64?) -> String {
        guard let t else { return "-" }
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date(timeIntervalSince1970: TimeInterval(t)))
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
