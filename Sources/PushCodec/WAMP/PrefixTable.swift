/// Per-session WAMP v1 CURIE prefixes (`PREFIX [1, prefix, uri]`).
///
/// `prefix:rest` resolves to `uri + rest` when `prefix` (the text before the first
/// `:`) is registered; anything else, including absolute URIs such as `http://...`
/// whose scheme is not a registered prefix, is returned unchanged.
public struct PrefixTable: Sendable, Equatable {
    /// Most prefixes one session may register, bounding per-session memory.
    public static let capacity = 64

    private var uris: [String: String] = [:]

    public init() {}

    /// Number of registered prefixes.
    public var count: Int { uris.count }

    /// Registers or replaces a prefix; false (and nothing stored) when a new prefix would exceed `capacity`.
    @discardableResult
    public mutating func set(prefix: String, uri: String) -> Bool {
        if uris[prefix] == nil, uris.count >= Self.capacity { return false }
        uris[prefix] = uri
        return true
    }

    /// Expands a CURIE with a registered prefix; returns other strings unchanged.
    public func resolve(_ uriOrCurie: String) -> String {
        guard !uris.isEmpty, let colon = uriOrCurie.utf8.firstIndex(of: UInt8(ascii: ":")) else { return uriOrCurie }
        let prefix = String(uriOrCurie[..<colon])
        guard let uri = uris[prefix] else { return uriOrCurie }
        return uri + uriOrCurie[uriOrCurie.utf8.index(after: colon)...]
    }
}
