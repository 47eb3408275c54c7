import Foundation
import Logging
@testable import PushBroker
import PushCodec
@testable import PushConfig
@testable import PushHTTP
@testable import PushServer
import PushStore
import PushTransport
import Synchronization
import Testing
import TestSupport

/// The access rules without sockets, for peers a loopback-only test machine cannot be:
/// a remote address, and IPv6 loopback.
@Suite struct AccessPolicyTests {
    static let remote = try! SocketAddress(host: "192.0.2.7", port: 40000)
    static let loopback4 = try! SocketAddress(host: "127.0.0.1", port: 40000)
    static let loopback6 = try! SocketAddress(host: "::1", port: 40000)

    static func policy(publishSecret: String? = nil, webhookSecret: String? = nil, admins: [String] = [],
                       _ body: (AccessPolicy, StoreService) throws -> Void) throws {
        let directory = NSTemporaryDirectory() + "wamp-push-policy-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try StoreService(path: directory + "/p.sqlite")
        defer { store.close() }
        let authenticator = TokenAuthenticator(store: store, verifier: nil, log: Logger(label: "test"))
        try body(AccessPolicy(publishSecret: publishSecret, webhookSecret: webhookSecret, adminUsers: Set(admins),
                              authenticator: authenticator), store)
    }

    /// Resolves and waits (a user token is looked up on the store queue).
    static func resolve(_ policy: AccessPolicy, _ access: RouteAccess, peer: SocketAddress?,
                        headers: [(String, String)] = []) -> Result<Principal, HTTPError> {
        let request = HTTPRequest(head: HTTPRequestHead(method: "POST", target: "/x", headers: HTTPHeaders(headers)))
        let answer = Mutex<Result<Principal, HTTPError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        policy.resolve(access, request, peer: peer) { result in
            answer.withLock { $0 = result }
            done.signal()
        }
        _ = done.wait(timeout: .now() + 5)
        return answer.withLock { $0 } ?? .failure(HTTPError(status: 0, code: "timeout", message: "no answer"))
    }

    static func status(_ result: Result<Principal, HTTPError>) -> Int {
        if case .failure(let e) = result { return e.status }
        return 200
    }

    static func principal(_ result: Result<Principal, HTTPError>) -> Principal? {
        if case .success(let p) = result { return p }
        return nil
    }

    static func message(_ result: Result<Principal, HTTPError>) -> String {
        if case .failure(let e) = result { return e.message }
        return ""
    }

    @Test func remotePeer_withoutSecrets_isRefusedEveryTrustedRoute() throws {
        try Self.policy { policy, _ in
            #expect(Self.status(Self.resolve(policy, .backend, peer: Self.remote)) == 403)
            #expect(Self.status(Self.resolve(policy, .backendOrLoopback, peer: Self.remote)) == 403)
            let webhook = Self.resolve(policy, .webhookSender, peer: Self.remote)
            #expect(Self.status(webhook) == 403)
            #expect(Self.message(webhook).contains("whatsapp.webhookSecret"))
            #expect(Self.status(Self.resolve(policy, .admin, peer: Self.remote)) == 401)
            #expect(Self.status(Self.resolve(policy, .user, peer: Self.remote)) == 401)
            #expect(Self.principal(Self.resolve(policy, .anyone, peer: Self.remote)) == .anonymous)
            #expect(Self.status(Self.resolve(policy, .backend, peer: nil)) == 403) // no peer address: not loopback
        }
    }

    @Test func loopbackPeers_v4AndV6_areTrusted_withoutAForwardingHeader() throws {
        try Self.policy { policy, _ in
            for peer in [Self.loopback4, Self.loopback6] {
                #expect(Self.principal(Self.resolve(policy, .backend, peer: peer)) == .backend)
                #expect(Self.principal(Self.resolve(policy, .webhookSender, peer: peer)) == .webhookSender)
                #expect(Self.principal(Self.resolve(policy, .admin, peer: peer)) == .backend)
                let proxied = Self.resolve(policy, .backend, peer: peer, headers: [("x-real-ip", "203.0.113.9")])
                #expect(Self.status(proxied) == 403)
                #expect(Self.message(proxied).contains("X-Real-IP"))
            }
        }
    }

    @Test func withAPublishSecret_loopbackAloneIsNotTheBackend_butIsAScraper() throws {
        try Self.policy(publishSecret: "s3cret") { policy, _ in
            #expect(Self.status(Self.resolve(policy, .backend, peer: Self.loopback4)) == 401)
            #expect(Self.status(Self.resolve(policy, .backend, peer: Self.remote, headers: [("Authorization", "Bearer nope")])) == 403)
            #expect(Self.principal(Self.resolve(policy, .backend, peer: Self.remote, headers: [("Authorization", "bearer s3cret")])) == .backend)
            #expect(Self.principal(Self.resolve(policy, .backendOrLoopback, peer: Self.loopback4)) == .loopback)
            #expect(Self.principal(Self.resolve(policy, .backendOrLoopback, peer: Self.remote, headers: [("Authorization", "Bearer s3cret")])) == .backend)
            #expect(Self.status(Self.resolve(policy, .admin, peer: Self.loopback4)) == 401) // loopback is no admin once a secret exists
        }
    }

    @Test func userTokens_resolveToTheirOwner_adminOnlyWhenListed() throws {
        try Self.policy(admins: ["boss"]) { policy, store in
            let now = Int64(Date().timeIntervalSince1970)
            let agent = try store.sync { db in try TokenStore(database: db).create(userId: "agent", now: now) }
            let boss = try store.sync { db in try TokenStore(database: db).create(userId: "boss", now: now) }
            #expect(Self.principal(Self.resolve(policy, .user, peer: Self.remote, headers: [("Authorization", "Bearer \(agent)")]))
                    == .user(id: "agent", isAdmin: false))
            #expect(Self.principal(Self.resolve(policy, .admin, peer: Self.remote, headers: [("Authorization", "Bearer \(boss)")]))
                    == .user(id: "boss", isAdmin: true))
            let refused = Self.resolve(policy, .admin, peer: Self.loopback4, headers: [("Authorization", "Bearer \(agent)")])
            #expect(Self.status(refused) == 403) // a request that names a user is that user, loopback or not
            #expect(Self.message(refused) == "This action needs an admin: user agent is not listed in auth.adminUsers.")
        }
    }

    @Test func webhookSecret_isCheckedWhateverThePeer() throws {
        try Self.policy(webhookSecret: "hook") { policy, _ in
            #expect(Self.status(Self.resolve(policy, .webhookSender, peer: Self.loopback4)) == 401)
            #expect(Self.principal(Self.resolve(policy, .webhookSender, peer: Self.remote, headers: [("x-api-key", "hook")])) == .webhookSender)
        }
    }
}

/// The start-up warnings (M2, and a database file others can read).
@Suite struct SecurityWarningsTests {
    static func config(_ addresses: [String], webhookSecret: String? = nil) -> ServerConfig {
        var config = ServerConfig()
        config.listeners = addresses.map { ServerConfig.Listener(address: $0) }
        config.whatsapp.webhookSecret = webhookSecret
        return config
    }

    @Test func noWebhookSecret_withAPublicListener_warnsOnce_namingTheListeners() {
        let warnings = SecurityWarnings.atStart(Self.config(["127.0.0.1:8080", "0.0.0.0:8443", "[::]:9443"]), databasePermissions: 0o600)
        #expect(warnings.count == 1)
        #expect(warnings.first?.message.contains("whatsapp.webhookSecret") == true)
        #expect(warnings.first?.metadata["listeners"] == "0.0.0.0:8443,[::]:9443")
    }

    @Test func loopbackListenersOnly_orASecret_warnNothing() {
        #expect(SecurityWarnings.atStart(Self.config(["127.0.0.1:8080", "[::1]:8443"]), databasePermissions: 0o600).isEmpty)
        #expect(SecurityWarnings.atStart(Self.config(["0.0.0.0:8080"], webhookSecret: "s"), databasePermissions: 0o600).isEmpty)
        #expect(SecurityWarnings.atStart(Self.config(["127.0.0.1:8080"]), databasePermissions: nil).isEmpty)
    }

    @Test(arguments: [(UInt16(0o644), true), (0o640, true), (0o604, true), (0o600, false), (0o400, false), (0o700, false)])
    func databaseReadableByOthers_warns(mode: UInt16, warns: Bool) {
        let warnings = SecurityWarnings.atStart(Self.config(["127.0.0.1:8080"]), databasePermissions: mode)
        #expect(warnings.count == (warns ? 1 : 0))
        if warns { #expect(warnings.first?.metadata["mode"] == "0" + String(mode, radix: 8)) }
    }

    /// `serve` logs it: an operator's 0644 database file is kept as it is, and named at start.
    @Test func serverStart_logsTheDatabaseWarning_andKeepsTheMode() throws {
        let directory = try makeTemporaryDirectory("wamp-push-warn-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/shared.sqlite"
        #expect(FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644]))
        var config = ServerConfig()
        config.database = path
        config.dataDirectory = directory
        config.listeners = [.init(address: "127.0.0.1:0")]
        let lines = CapturedLog()
        var log = Logger(label: "test") { _ in lines }
        log.logLevel = .info
        let server = try Server(config: config, log: log)
        try server.start()
        server.stop()
        let warnings = lines.events.filter { $0.level == .warning }
        #expect(warnings.count == 1)
        #expect(warnings.first?.message.contains("readable by group or others") == true)
        #expect(Database.permissions(ofFileAt: path) == 0o644)
    }
}
