import PushCodec

/// JSON text indented two spaces per level, members in their order, for people to read and edit
/// (`wamp-push espo-config`); short arrays of scalars stay on one line.
enum PrettyJSON {
    static func text(_ value: JSONValue) -> String {
        var out = ""
        write(value, indent: "", into: &out)
        return out + "\n"
    }

    private static func write(_ value: JSONValue, indent: String, into out: inout String) {
        let inner = indent + "  "
        switch value {
        case .object(let object) where !object.isEmpty:
            out += "{\n"
            for (i, member) in object.members.enumerated() {
                out += inner + JSONValue.string(member.key).jsonString + ": "
                write(member.value, indent: inner, into: &out)
                out += i + 1 < object.count ? ",\n" : "\n"
            }
            out += indent + "}"
        case .array(let items) where items.contains(where: isContainer):
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += inner
                write(item, indent: inner, into: &out)
                out += i + 1 < items.count ? ",\n" : "\n"
            }
            out += indent + "]"
        case .array(let items):
            out += "[" + items.map(\.jsonString).joined(separator: ", ") + "]"
        default:
            out += value.jsonString
        }
    }

    private static func isContainer(_ value: JSONValue) -> Bool {
        switch value {
        case .object(let o): return !o.isEmpty
        case .array: return true
        default: return false
        }
    }
}
