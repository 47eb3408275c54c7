/// Where a Redis server is and how to log in: `redis://[[user]:password@]host[:port][/db]`,
/// `rediss://` for TLS (https://www.iana.org/assignments/uri-schemes/prov/redis).
///
/// User and password may be percent-encoded (a password holding `@`, `:` or `/` must be).
/// Refused, with one line that never repeats the password: another scheme, a query or fragment,
/// a user without a password, a bad port or database, an empty or malformed host.
public struct RedisURL: Sendable, Equatable, CustomStringConvertible {
    public let isTLS: Bool
    /// Name or numeric address, IPv6 without brackets.
    public let host: String
    public let port: UInt16
    /// For `AUTH user password` (an ACL user); nil means `AUTH password` (the default user).
    public let username: String?
    /// Nil: no AUTH is sent.
    public let password: String?
    public let database: Int

    public static let defaultPort: UInt16 = 6379

    public init(parsing text: String) throws(RedisURLError) {
        if let bad = text.unicodeScalars.first(where: { $0.value <= 0x20 || $0.value == 0x7F }) {
            throw RedisURLError("redis URL contains a space or control character (U+\(String(bad.value, radix: 16, uppercase: true)))")
        }
        let lowered = text.lowercased()
        let rest: Substring
        if lowered.hasPrefix("redis://") {
            isTLS = false
            rest = text.dropFirst("redis://".count)
        } else if lowered.hasPrefix("rediss://") {
            isTLS = true
            rest = text.dropFirst("rediss://".count)
        } else {
            let scheme = text.firstIndex(of: ":").map { String(text[..<$0].prefix(16)) } ?? ""
            throw RedisURLError("redis URL must start with redis:// or rediss://\(scheme.isEmpty ? "" : " (not \(scheme)://)")")
        }
        if rest.contains("?") || rest.contains("#") {
            throw RedisURLError("redis URL: query parameters and fragments are not supported")
        }
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)

        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
            guard let colon = userInfo.firstIndex(of: ":") else {
                throw RedisURLError("redis URL has a user name but no password (write redis://user:password@host, or redis://:password@host)")
            }
            let user = try Self.percentDecoded(userInfo[..<colon], what: "user name")
            let pass = try Self.percentDecoded(userInfo[userInfo.index(after: colon)...], what: "password")
            if pass.isEmpty && !user.isEmpty { throw RedisURLError("redis URL has a user name but an empty password") }
            username = user.isEmpty ? nil : user
            password = pass.isEmpty ? nil : pass
        } else {
            username = nil
            password = nil
        }
        (host, port) = try Self.hostAndPort(hostPort)
        database = try Self.database(path)
    }

    /// The URL with the password masked, for logs and `/healthz`.
    public var description: String {
        var text = isTLS ? "rediss://" : "redis://"
        if password != nil { text += (username ?? "") + ":***@" }
        text += host.contains(":") ? "[\(host)]" : host
        text += ":\(port)"
        if database != 0 { text += "/\(database)" }
        return text
    }

    /// `host[:port]` or `[v6][:port]`.
    private static func hostAndPort(_ text: Substring) throws(RedisURLError) -> (String, UInt16) {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw RedisURLError("redis URL has '[' without ']' in its host") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw RedisURLError("redis URL has text after ']' that is not a :port") }
                portText = after.dropFirst()
            }
            guard host.contains(":"), host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw RedisURLError("redis URL has '\(host.prefix(64))' in brackets, which is not an IPv6 address")
            }
        } else {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw RedisURLError("redis URL: write an IPv6 host in brackets, e.g. redis://[::1]:6379") }
            host = parts[0]
            if parts.count == 2 { portText = parts[1] }
            guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_") }) else {
                throw RedisURLError("redis URL has a host with characters a host name cannot hold")
            }
        }
        guard !host.isEmpty else { throw RedisURLError("redis URL has no host") }
        var port = defaultPort
        if let portText {
            guard portText.allSatisfy(\.isASCIIDigit), let number = UInt16(portText), number > 0 else {
                throw RedisURLError("redis URL has port '\(portText.prefix(16))'; expected 1-65535")
            }
            port = number
        }
        return (String(host), port)
    }

    /// `` or `/` is database 0; `/N` is database N.
    private static func database(_ path: Substring) throws(RedisURLError) -> Int {
        let text = path.dropFirst()
        if text.isEmpty { return 0 }
        guard text.allSatisfy(\.isASCIIDigit), let number = Int32(text) else {
            throw RedisURLError("redis URL path '/\(text.prefix(32))' is not a database number (e.g. /0)")
        }
        return Int(number)
    }

    private static func percentDecoded(_ text: Substring, what: String) throws(RedisURLError) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            let escape = utf8.prefix(2)
            guard escape.count == 2, escape.allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit }),
                  let value = UInt8(String(decoding: escape, as: UTF8.self), radix: 16) else {
                throw RedisURLError("redis URL has a bad %-escape in its \(what)")
            }
            bytes.append(value)
            utf8 = utf8.dropFirst(2)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw RedisURLError("redis URL has a \(what) that is not UTF-8 once %-decoded")
        }
        return decoded
    }
}

/// A refused Redis URL: one line, never containing the password.
public struct RedisURLError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
