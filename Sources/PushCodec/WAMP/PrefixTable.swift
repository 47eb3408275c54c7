/// Per-session WAMP v1 CURIE prefixes (`PREFIX [1, prefix, uri]`).
///
/// `prefix:rest` resolves to `uri + rest` when `prefix` (the text before the first
/// `:`) is registered; anything else, including absolute URIs such as `http://...`
/// whose scheme is not a registered prefix, is returned unchanged.
///
/// Bounded twice over, since a session keeps its table (and every subscription its expanded
/// topic) for its whole life: at most `maxPrefixes` entries, and no prefix or URI longer than
/// `maxURIBytes` (the server's `limits.maxTopicBytes`, which also bounds expanded topics).
/// The bounds are the server's, passed to `register` as `Limits`, not stored: every idle session
/// holds a table, and the two limits copied into each cost 16 bytes (Docs/benchmarks.md, "Idle memory per connection").
public struct PrefixTable: Sendable, Equatable {
    /// Why a PREFIX was not registered.
    public enum Refusal: Sendable, Equatable {
        /// A new prefix would pass `maxPrefixes`.
        case tooManyPrefixes(limit: Int)
        /// The prefix or its URI is longer than `maxURIBytes`.
        case tooLong(limit: Int)
    }

    /// The bounds a table is held to; one value for the whole server.
    public struct Limits: Sendable, Equatable {
        /// Most prefixes one table holds (replacing a registered one is always allowed).
        public let maxPrefixes: Int
        /// Longest prefix or URI, in UTF-8 bytes.
        public let maxURIBytes: Int

        public init(maxPrefixes: Int = PrefixTable.capacity, maxURIBytes: Int = .max) {
            self.maxPrefixes = maxPrefixes
            self.maxURIBytes = maxURIBytes
        }
    }

    /// The default for `maxPrefixes`.
    public static let capacity = 64

    private var uris: [String: String] = [:]

    public init() {}

    /// Number of registered prefixes.
    public var count: Int { uris.count }

    /// Registers or replaces a prefix within the default limits; false (and nothing stored) when
    /// `register` refuses it.
    @discardableResult
    public mutating func set(prefix: String, uri: String) -> Bool {
        register(prefix: prefix, uri: uri, limits: Limits()) == nil
    }

    /// Registers or replaces a prefix, or says why not (nothing is stored then).
    public mutating func register(prefix: String, uri: String, limits: Limits) -> Refusal? {
        let maxURIBytes = limits.maxURIBytes
        if prefix.utf8.count > maxURIBytes || uri.utf8.count > maxURIBytes { return .tooLong(limit: maxURIBytes) }
        if uris[prefix] == nil, uris.count >= limits.maxPrefixes { return .tooManyPrefixes(limit: limits.maxPrefixes) }
        uris[prefix] = uri
        return nil
    }

    /// Expands a CURIE with a registered prefix; returns other strings unchanged.
    public func resolve(_ uriOrCurie: String) -> String {
        guard let (uri, rest) = split(uriOrCurie) else { return uriOrCurie }
        return uri + rest
    }

    /// Like `resolve`, but nil when the result would be longer than `limit` UTF-8 bytes
    /// (measured before the expanded string is built).
    public func resolve(_ uriOrCurie: String, limit: Int) -> String? {
        guard let (uri, rest) = split(uriOrCurie) else { return uriOrCurie.utf8.count <= limit ? uriOrCurie : nil }
        guard uri.utf8.count + rest.utf8.count <= limit else { return nil }
        return uri + rest
    }

    /// The registered URI and the rest after the first `:`, when the prefix is registered.
    private func split(_ uriOrCurie: String) -> (String, Substring)? {
        guard !uris.isEmpty, let colon = uriOrCurie.utf8.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        guard let uri = uris[String(uriOrCurie[..<colon])] else { return nil }
        return (uri, uriOrCurie[uriOrCurie.utf8.index(after: colon)...])
    }
}
