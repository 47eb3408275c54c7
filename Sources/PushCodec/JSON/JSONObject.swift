/// A JSON object that keeps its members in the order they were written or added.
///
/// Duplicate keys are kept as parsed (nothing is rejected, so re-serialization is
/// exact); lookup returns the LAST member with that key, matching what
/// `JSON.parse` and most decoders do.
public struct JSONObject: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    /// One key/value member.
    public typealias Member = (key: String, value: JSONValue)

    /// All members in order, duplicates included.
    public private(set) var members: [Member]

    /// An empty object.
    public init() {
        members = []
    }

    /// An object with these members, in this order.
    public init(_ members: [Member]) {
        self.members = members
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        members = elements.map { (key: $0.0, value: $0.1) }
    }

    /// Number of members, duplicates included.
    public var count: Int { members.count }

    /// True when there are no members.
    public var isEmpty: Bool { members.isEmpty }

    /// Each distinct key once, in order of first appearance.
    public var keys: [String] {
        var seen = Set<String>()
        return members.compactMap { seen.insert($0.key).inserted ? $0.key : nil }
    }

    /// The value of the last member named `key`; setting replaces it (nil removes it).
    public subscript(key: String) -> JSONValue? {
        get { members.last(where: { $0.key == key })?.value }
        set {
            if let newValue { set(key, newValue) } else { remove(key) }
        }
    }

    /// Whether a member named `key` exists.
    public func contains(_ key: String) -> Bool {
        members.contains { $0.key == key }
    }

    /// A copy without any member named `key`.
    public func removing(_ key: String) -> JSONObject {
        var copy = self
        copy.remove(key)
        return copy
    }

    /// A copy where `key` has `value`: replaced in place if present, else appended.
    public func setting(_ key: String, _ value: JSONValue) -> JSONObject {
        var copy = self
        copy.set(key, value)
        return copy
    }

    /// Removes every member named `key`.
    public mutating func remove(_ key: String) {
        members.removeAll { $0.key == key }
    }

    /// Replaces the value at the first member named `key` (dropping later duplicates), or appends.
    public mutating func set(_ key: String, _ value: JSONValue) {
        guard let first = members.firstIndex(where: { $0.key == key }) else {
            members.append((key: key, value: value))
            return
        }
        members[first].value = value
        var index = members.index(after: first)
        while index < members.endIndex {
            if members[index].key == key { members.remove(at: index) } else { index += 1 }
        }
    }

    /// Appends a member without looking for an existing key (the parser's path; keeps duplicates).
    public mutating func append(key: String, value: JSONValue) {
        members.append((key: key, value: value))
    }

    /// Order-sensitive: two objects are equal when their member lists are equal.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.count == rhs.members.count
            && zip(lhs.members, rhs.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}
