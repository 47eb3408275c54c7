public struct HTTPVersion: Sendable, Equatable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public init(major: Int, minor: Int) { self.major = major; self.minor = minor }
    public static let http1_0 = HTTPVersion(major: 1, minor: 0)
    public static let http1_1 = HTTPVersion(major: 1, minor: 1)
    public var description: String { "HTTP/\(major).\(minor)" }
}

/// The request line and header block of one HTTP/1.x request.
public struct HTTPRequestHead: Sendable, Equatable {
    public var method: String
    /// The request target as sent: origin form (path plus optional `?query`), absolute form
    /// (`http://host/path?query`) or `*`. Routing uses `path` and `query`, which read both forms.
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders

    public init(method: String, target: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders = HTTPHeaders()) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
    }

    /// The path part of the target, still percent-encoded. For an absolute-form target the
    /// scheme and authority are skipped (RFC 9112 §3.2.2: the server ignores them), and an
    /// empty path is `/`.
    public var path: Substring {
        let origin = originForm
        let path = origin.firstIndex(of: "?").map { origin[..<$0] } ?? origin
        return path.isEmpty ? "/" : path
    }

    /// The target from its path on: itself in origin form; after `scheme://authority` in
    /// absolute form (the parser admits only `http://` and `https://` there, and an authority
    /// holds no `/` or `?`).
    private var originForm: Substring {
        guard target.utf8.first != UInt8(ascii: "/"), let scheme = target.utf8.firstIndex(of: UInt8(ascii: ":")) else {
            return Substring(target)
        }
        let afterScheme = target.utf8[scheme...].dropFirst(3) // "://"
        let start = afterScheme.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? target.utf8.endIndex
        return target[start...]
    }

    /// The raw query string after `?`, if any.
    public var query: Substring? {
        guard let q = target.firstIndex(of: "?") else { return nil }
        return target[target.index(after: q)...]
    }

    /// The first value of `name` in the query, found in one pass over the bytes without decoding
    /// the other parameters (the upgrade reads two per handshake). `+` and percent-escapes are
    /// decoded; malformed escapes are kept literally.
    public func queryValue(_ name: String) -> String? {
        guard var query else { return nil }
        return query.withUTF8 { bytes -> String? in
            var name = name
            return name.withUTF8 { wanted -> String? in
                var start = 0
                while start <= bytes.count {
                    var end = start
                    while end < bytes.count && bytes[end] != UInt8(ascii: "&") { end += 1 }
                    var eq = start
                    while eq < end && bytes[eq] != UInt8(ascii: "=") { eq += 1 }
                    if Self.formEquals(UnsafeBufferPointer(rebasing: bytes[start..<eq]), wanted) {
                        return eq < end ? Self.formDecode(UnsafeBufferPointer(rebasing: bytes[(eq + 1)..<end])) : ""
                    }
                    start = end + 1
                }
                return nil
            }
        }
    }

    /// Whether form-encoded `encoded` decodes to exactly `plain` (fast path: equal bytes).
    private static func formEquals(_ encoded: UnsafeBufferPointer<UInt8>, _ plain: UnsafeBufferPointer<UInt8>) -> Bool {
        if encoded.count == plain.count && encoded.elementsEqual(plain) { return true }
        if !encoded.contains(UInt8(ascii: "%")) && !encoded.contains(UInt8(ascii: "+")) { return false }
        return Array(formDecode(encoded).utf8) == Array(plain)
    }

    /// HTTP/1.1 defaults to keep-alive unless `Connection: close`; HTTP/1.0 needs `Connection: keep-alive`.
    public var keepAlive: Bool {
        if headers.containsToken("close", in: "Connection") { return false }
        if version == .http1_0 { return headers.containsToken("keep-alive", in: "Connection") }
        return true
    }

    static func formDecode(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        // Nothing to decode (the usual token or id): one copy straight into the String.
        if !bytes.contains(UInt8(ascii: "%")) && !bytes.contains(UInt8(ascii: "+")) {
            return String(decoding: bytes, as: UTF8.self)
        }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            i += 1
            if c == UInt8(ascii: "+") { out.append(UInt8(ascii: " ")); continue }
            if c == UInt8(ascii: "%"), i + 1 < bytes.count, let h = hexValue(bytes[i]), let l = hexValue(bytes[i + 1]) {
                out.append(h << 4 | l)
                i += 2
                continue
            }
            out.append(c)
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 65...70: return c - 55
        case 97...102: return c - 87
        default: return nil
        }
    }
}

/// A complete request: head plus the de-chunked body.
public struct HTTPRequest: Sendable, Equatable {
    public var head: HTTPRequestHead
    public var body: [UInt8]
    public init(head: HTTPRequestHead, body: [UInt8] = []) { self.head = head; self.body = body }
}
