import Foundation
import Logging
import PushCluster
import PushCodec
import PushHTTP
import PushStore

/// `POST /internal/tokens {"token"?, "userId", "expiresAt"?}`: a CRM backend registers the tokens
/// it issues (or lets us generate one). Backend only, as publish (`RouteAccess.backend`).
struct CreateTokenRoute: HTTPRoute {
    let store: StoreService
    let log: Logger

    func handle(_ request: HTTPRequest, _ context: RequestContext, _ respond: @escaping Respond) {
        guard let json = try? JSONParser.parse(request.body), case .object(let o) = json else {
            return respond(.error(.invalidJSON("Send a JSON object {\"userId\", \"token\"?, \"expiresAt\"?}.")))
        }
        guard let rawUser = o["userId"]?.stringValue, !TokenStore.strip(rawUser).isEmpty else {
            return respond(.error(.missingUser("userId must be a non-empty string of [A-Za-z0-9-].")))
        }
        var token: String?
        if let t = o["token"], !t.isNull {
            guard let s = t.stringValue, !s.isEmpty, TokenStore.strip(s) == s else {
                return respond(.error(.invalidToken("token must be a non-empty string of [A-Za-z0-9-].")))
            }
            token = s
        }
        var expiresAt: Int64?
        if let e = o["expiresAt"], !e.isNull {
            guard let n = e.int64Value, n > 0 else {
                return respond(.error(.invalidExpiry("expiresAt must be unix seconds.")))
            }
            expiresAt = n
        }
        let userId = TokenStore.strip(rawUser)
        let expiry = expiresAt, given = token
        let log = self.log
        store.async({ db in
            try TokenStore(database: db).create(userId: userId, token: given, expiresAt: expiry, now: Int64(Date().timeIntervalSince1970))
        }) { result in
            switch result {
            case .success(let created):
                var body: JSONObject = ["token": .string(created), "userId": .string(userId)]
                body.set("expiresAt", expiry.map { .number(JSONNumber($0)) } ?? .null)
                respond(.json(201, JSONValue.object(body)))
            case .failure(TokenStoreError.duplicateToken):
                respond(.error(.tokenExists("This token is already registered.")))
            case .failure(let error):
                // The store's own text names files and SQLite internals: the log has it, the answer does not.
                log.error("token store failed", metadata: ["error": "\(error)"])
                respond(.error(.storeError("The token could not be stored.")))
            }
        }
    }
}

/// `DELETE /internal/tokens/{token}`: revokes the token and closes its live sessions at once
/// (in a cluster, on every node; a token this node's table does not hold is revoked in the
/// shared table).
struct RevokeTokenRoute: HTTPRoute {
    static let prefix = "/internal/tokens/"
    let store: StoreService
    let onRevoked: @Sendable (Set<String>) -> Void
    var cluster: ClusterNode?
    let log: Logger

    func handle(_ request: HTTPRequest, _ context: RequestContext, _ respond: @escaping Respond) {
        let token = String(request.head.path.dropFirst(Self.prefix.count))
        guard !token.isEmpty, TokenStore.strip(token) == token else {
            return respond(.error(.invalidToken("Name the token: DELETE /internal/tokens/<token>.")))
        }
        let hash = TokenStore.hash(token)
        let onRevoked = self.onRevoked, log = self.log
        store.async({ db in try TokenStore(database: db).revoke(tokenHash: hash) }) { result in
            switch result {
            case .success(true):
                onRevoked([hash])
                respond(.json(200, JSONValue.object(["revoked": .bool(true)])))
            case .success(false):
                guard let cluster else {
                    return respond(.error(.unknownToken("No active token matches.")))
                }
                cluster.revokeShared(tokenHash: hash) { revoked in
                    switch revoked {
                    case true?: respond(.json(200, JSONValue.object(["revoked": .bool(true)])))
                    case false?: respond(.error(.unknownToken("No active token matches.")))
                    case nil:
                        respond(.error(.clusterUnavailable(
                            "The token is not in this node's table and the cluster's table cannot be reached.")))
                    }
                }
            case .failure(let error):
                log.error("token revoke failed", metadata: ["error": "\(error)"])
                respond(.error(.storeError("The token could not be revoked.")))
            }
        }
    }
}

/// Codes only the token routes answer with.
extension HTTPError {
    /// `400`: no usable `userId`.
    fileprivate static func missingUser(_ message: String) -> HTTPError { HTTPError(status: 400, code: "missing_user", message: message) }
    /// `400`: a token that is empty or not of `[A-Za-z0-9-]`.
    fileprivate static func invalidToken(_ message: String) -> HTTPError { HTTPError(status: 400, code: "invalid_token", message: message) }
    /// `400`: `expiresAt` is not unix seconds.
    fileprivate static func invalidExpiry(_ message: String) -> HTTPError { HTTPError(status: 400, code: "invalid_expiry", message: message) }
    /// `409`: the token is registered already.
    fileprivate static func tokenExists(_ message: String) -> HTTPError { HTTPError(status: 409, code: "token_exists", message: message) }
    /// `404`: no active token to revoke.
    fileprivate static func unknownToken(_ message: String) -> HTTPError { HTTPError(status: 404, code: "unknown_token", message: message) }
    /// `503`: the token may be in the cluster's shared table, which cannot be reached.
    fileprivate static func clusterUnavailable(_ message: String) -> HTTPError {
        HTTPError(status: 503, code: "cluster_unavailable", message: message)
    }
}
