import PushCodec

/// EspoCRM's rule for merging one metadata source over the ones before it (its `DataUtil::merge`):
/// objects merge key by key (a key keeps its place; new keys go last), arrays are replaced unless
/// the newer one holds the marker `"__APPEND__"` (then its other items are appended), and any
/// other value replaces the older one.
enum MetadataMerge {
    static let appendMarker = "__APPEND__"

    static func merge(_ base: JSONValue?, _ override: JSONValue) -> JSONValue {
        switch override {
        case .object(let newer):
            var merged = base?.objectValue ?? JSONObject()
            for key in newer.keys {
                guard let value = newer[key] else { continue }
                // PHP's `isset` is false for null: a null older value is replaced outright.
                if let existing = merged[key], !existing.isNull {
                    merged.set(key, merge(existing, value))
                } else {
                    merged.set(key, stripMarkers(value))
                }
            }
            return .object(merged)
        case .array(let newer):
            guard newer.contains(.string(appendMarker)) else { return .array(newer) }
            let kept = base?.arrayValue ?? []
            return .array(kept + newer.filter { $0 != .string(appendMarker) })
        default:
            return override
        }
    }

    /// A value taken as it is still loses its markers (EspoCRM removes them by value).
    private static func stripMarkers(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let items): return .array(items.filter { $0 != .string(appendMarker) }.map(stripMarkers))
        case .object(let object):
            return .object(JSONObject(object.members.map { (key: $0.key, value: stripMarkers($0.value)) }))
        default: return value
        }
    }
}
