import PushCodec

/// One publication on the cluster's bus channel, as its origin node accepted it (Docs/cluster.md):
///
///     {"v":1,"origin":"node-a","boot":"5f0c…","seq":42,"topic":"recordUpdate.Lead.17",
///      "payload":{…},"userId":"u1","exclude":["sid"],"eligible":["sid"]}
///
/// `userId`, `exclude` and `eligible` are left out when unset. `boot` changes at every start of
/// the origin, so a restarted node's sequence starting again at 1 is not taken for duplicates.
/// Receivers ignore members they do not know; a higher `v` is refused (counted), not guessed at.
struct ClusterEnvelope: Equatable, Sendable {
    static let version: Int64 = 1

    var origin: String
    var boot: String
    var seq: UInt64
    var topic: String
    /// Compact JSON, as `Publication.payloadJSON` holds it.
    var payloadJSON: [UInt8]
    var userId: String?
    var exclude: [String] = []
    var eligible: [String]?

    func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(payloadJSON.count + topic.utf8.count + 96)
        out += Array(#"{"v":1,"origin":"#.utf8)
        JSONString.write(origin, into: &out)
        out += Array(#","boot":"#.utf8)
        JSONString.write(boot, into: &out)
        out += Array(#","seq":\#(seq),"topic":"#.utf8)
        JSONString.write(topic, into: &out)
        out += Array(#","payload":"#.utf8)
        out += payloadJSON
        if let userId {
            out += Array(#","userId":"#.utf8)
            JSONString.write(userId, into: &out)
        }
        if !exclude.isEmpty { out += Array(#","exclude":"#.utf8) + Self.array(exclude) }
        if let eligible { out += Array(#","eligible":"#.utf8) + Self.array(eligible) }
        out.append(UInt8(ascii: "}"))
        return out
    }

    private static func array(_ items: [String]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONString.write(item, into: &out)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    /// The envelope and its payload as a value, or a one-line reason.
    static func decode(_ bytes: [UInt8]) -> Result<(ClusterEnvelope, payload: JSONValue), EnvelopeError> {
        guard let root = try? JSONParser.parse(bytes), let o = root.objectValue else {
            return .failure(EnvelopeError("not a JSON object"))
        }
        guard let v = o["v"]?.int64Value else { return .failure(EnvelopeError("no version \"v\"")) }
        guard v == version else { return .failure(EnvelopeError("version \(v) (this node reads \(version))")) }
        guard let origin = o["origin"]?.stringValue, !origin.isEmpty,
              let boot = o["boot"]?.stringValue,
              let seqValue = o["seq"]?.int64Value, seqValue > 0,
              let topic = o["topic"]?.stringValue, !topic.isEmpty,
              let payload = o["payload"] else {
            return .failure(EnvelopeError("origin, boot, seq, topic or payload missing or of the wrong type"))
        }
        var envelope = ClusterEnvelope(origin: origin, boot: boot, seq: UInt64(seqValue), topic: topic, payloadJSON: payload.jsonBytes)
        if let user = o["userId"], !user.isNull {
            guard let text = user.stringValue else { return .failure(EnvelopeError("userId is not a string")) }
            envelope.userId = text
        }
        if let list = o["exclude"] {
            guard let ids = strings(list) else { return .failure(EnvelopeError("exclude is not an array of strings")) }
            envelope.exclude = ids
        }
        if let list = o["eligible"], !list.isNull {
            guard let ids = strings(list) else { return .failure(EnvelopeError("eligible is not an array of strings")) }
            envelope.eligible = ids
        }
        return .success((envelope, payload))
    }

    private static func strings(_ value: JSONValue) -> [String]? {
        guard let items = value.arrayValue else { return nil }
        var out: [String] = []
        for item in items {
            guard let text = item.stringValue else { return nil }
            out.append(text)
        }
        return out
    }
}

struct EnvelopeError: Error, Equatable, Sendable, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What a receiver makes of each origin's sequence numbers: in order, a gap (messages lost while
/// Redis or this node's subscription was down: pub/sub is at-most-once), or one already seen.
///
/// Not thread-safe: owned by the subscriber's loop. Bounded: at most `capacity` origins are
/// remembered; past it the one heard from longest ago is forgotten.
struct PeerSequences {
    enum Verdict: Equatable {
        /// Deliver; `missed` messages of this origin never arrived before it.
        case deliver(missed: UInt64)
        /// Seen already (or older than what was seen): drop.
        case duplicate
    }

    private var peers: [String: (boot: String, last: UInt64, heard: UInt64)] = [:]
    private var clock: UInt64 = 0
    let capacity: Int

    init(capacity: Int = 1024) { self.capacity = max(1, capacity) }

    var count: Int { peers.count }

    mutating func admit(origin: String, boot: String, seq: UInt64) -> Verdict {
        clock += 1
        guard let known = peers[origin], known.boot == boot else {
            // A new origin, or one that restarted: what it sent before we listened is not counted.
            if peers[origin] == nil && peers.count >= capacity, let oldest = peers.min(by: { $0.value.heard < $1.value.heard }) {
                peers[oldest.key] = nil
            }
            peers[origin] = (boot, seq, clock)
            return .deliver(missed: 0)
        }
        guard seq > known.last else { return .duplicate }
        peers[origin] = (boot, seq, clock)
        return .deliver(missed: seq - known.last - 1)
    }
}
