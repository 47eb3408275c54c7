import Foundation
import NIOCore
import Synchronization

/// The subscriber registry: topic -> sessions, each session reached through its bounded outbox.
final class Broker: Sendable {
    /// Frames queued for one connection; its writer task drains them into the WebSocket.
    typealias Outbox = AsyncStream<ByteBuffer>.Continuation

    private struct State {
        var subscribers: [String: [UInt64: Outbox]] = [:]
        var topicsBySession: [UInt64: Set<String>] = [:]
    }

    private let state = Mutex(State())

    func subscribe(session: UInt64, topic: String, outbox: Outbox) {
        state.withLock { state in
            state.subscribers[topic, default: [:]][session] = outbox
            state.topicsBySession[session, default: []].insert(topic)
        }
    }

    func unsubscribe(session: UInt64, topic: String) {
        state.withLock { state in
            Self.remove(session: session, topic: topic, from: &state)
            state.topicsBySession[session]?.remove(topic)
        }
    }

    /// Forgets every subscription of a closed (or dropped) session.
    func remove(session: UInt64) {
        state.withLock { state in
            for topic in state.topicsBySession.removeValue(forKey: session) ?? [] {
                Self.remove(session: session, topic: topic, from: &state)
            }
        }
    }

    /// Queues one already-encoded EVENT frame for every subscriber of `topic`; returns how many took it.
    func publish(topic: String, frame: ByteBuffer) -> Int {
        // Snapshot under the lock, yield outside it: subscribes never wait behind a large fan-out.
        let targets = state.withLock { Array($0.subscribers[topic] ?? [:]) }
        var queued = 0
        for (session, outbox) in targets {
            switch outbox.yield(frame) {
            case .enqueued:
                queued += 1
            case .dropped:
                // Slow consumer: stop feeding it; its writer drains what it has, then closes with 1008.
                remove(session: session)
                outbox.finish()
            case .terminated:
                remove(session: session)
            @unknown default:
                break
            }
        }
        return queued
    }

    private static func remove(session: UInt64, topic: String, from state: inout State) {
        state.subscribers[topic]?.removeValue(forKey: session)
        if state.subscribers[topic]?.isEmpty == true {
            state.subscribers.removeValue(forKey: topic)
        }
    }
}

/// The WAMP v1 subset on the wire: what a client sends, and what the server encodes.
enum Wire {
    /// A client message; everything but SUBSCRIBE and UNSUBSCRIBE (keep-alive included) is ignored.
    enum ClientMessage: Decodable {
        case subscribe(String)
        case unsubscribe(String)
        case ignored

        init(from decoder: any Decoder) throws {
            var fields = try decoder.unkeyedContainer()
            switch try fields.decode(Int.self) {
            case 5: self = .subscribe(try fields.decode(String.self))
            case 6: self = .unsubscribe(try fields.decode(String.self))
            default: self = .ignored
            }
        }
    }

    /// Only the routing key of a published object; every other field passes through untouched.
    struct PublishTarget: Decodable {
        let topicId: String
    }

    static func welcome(sessionID: String) -> ByteBuffer {
        ByteBuffer(string: "[0,\(jsonString(sessionID)),1,\"hummingbird-peer/1\"]")
    }

    /// `[8,"topic",<object bytes as posted>]`, built once per published object.
    static func event(topic: String, object: ArraySlice<UInt8>) -> ByteBuffer {
        let quoted = jsonString(topic)
        var buffer = ByteBufferAllocator().buffer(capacity: object.count + quoted.utf8.count + 5)
        buffer.writeString("[8,")
        buffer.writeString(quoted)
        buffer.writeInteger(UInt8(ascii: ","))
        buffer.writeBytes(object)
        buffer.writeInteger(UInt8(ascii: "]"))
        return buffer
    }

    static func jsonString(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// The byte ranges of the posted object, or of each object in a posted array, so each can be
    /// forwarded byte-for-byte; nil when the body is not one object or an array of objects.
    static func objectSpans(in bytes: [UInt8]) -> [Range<Int>]? {
        var index = skipSpace(bytes, 0)
        guard index < bytes.count else { return nil }
        var spans: [Range<Int>] = []
        if bytes[index] == UInt8(ascii: "{") {
            guard let end = endOfValue(bytes, index) else { return nil }
            spans.append(index..<end)
            index = end
        } else if bytes[index] == UInt8(ascii: "[") {
            index = skipSpace(bytes, index + 1)
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
            } else {
                while true {
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "{"),
                          let end = endOfValue(bytes, index) else { return nil }
                    spans.append(index..<end)
                    index = skipSpace(bytes, end)
                    guard index < bytes.count else { return nil }
                    if bytes[index] == UInt8(ascii: "]") { index += 1; break }
                    guard bytes[index] == UInt8(ascii: ",") else { return nil }
                    index = skipSpace(bytes, index + 1)
                }
            }
        } else {
            return nil
        }
        return skipSpace(bytes, index) == bytes.count ? spans : nil
    }

    private static func skipSpace(_ bytes: [UInt8], _ start: Int) -> Int {
        var index = start
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        return index
    }

    /// End of the object or array opening at `start`: brackets balanced, strings (and escapes) skipped.
    /// Full validation is left to the JSON decoder that reads `topicId` from the span.
    private static func endOfValue(_ bytes: [UInt8], _ start: Int) -> Int? {
        var depth = 0
        var index = start
        var inString = false
        while index < bytes.count {
            let byte = bytes[index]
            if inString {
                if byte == UInt8(ascii: "\\") { index += 1 } else if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                depth += 1
            } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 { return index + 1 }
            }
            index += 1
        }
        return nil
    }
}
