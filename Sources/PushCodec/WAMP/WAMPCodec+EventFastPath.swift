/// Fan-out fast path: the broker serializes a payload once and writes
/// `[8,"topic",<payload>]` straight into one pre-sized buffer per topic spelling,
/// without building a `JSONValue` for the payload again.
extension WAMPCodec {
    /// Bytes `writeEvent` will write for this topic and a payload of `payloadCount` bytes.
    public static func eventSize(topic: String, payloadCount: Int) -> Int {
        // "[8," + quoted topic + "," + payload + "]"
        3 + JSONString.encodedCount(topic) + 1 + payloadCount + 1
    }

    /// Writes `[8,"topic",<rawPayloadJSON>]` at `destination` and returns the byte count,
    /// which is exactly `eventSize(topic:payloadCount:)`. The payload must already be
    /// valid compact JSON; it is copied verbatim.
    public static func writeEvent(topic: String, rawPayloadJSON: UnsafeRawBufferPointer,
                                  into destination: UnsafeMutableRawPointer) -> Int {
        var offset = 0
        for b in "[8,".utf8 { destination.storeBytes(of: b, toByteOffset: offset, as: UInt8.self); offset += 1 }
        offset += JSONString.write(topic, to: destination + offset)
        destination.storeBytes(of: UInt8(ascii: ","), toByteOffset: offset, as: UInt8.self)
        offset += 1
        if let payloadBase = rawPayloadJSON.baseAddress, rawPayloadJSON.count > 0 {
            (destination + offset).copyMemory(from: payloadBase, byteCount: rawPayloadJSON.count)
            offset += rawPayloadJSON.count
        }
        destination.storeBytes(of: UInt8(ascii: "]"), toByteOffset: offset, as: UInt8.self)
        return offset + 1
    }

    /// `[8,"topic",<rawPayloadJSON>]` as a new array.
    public static func event(topic: String, rawPayloadJSON: UnsafeRawBufferPointer) -> [UInt8] {
        let size = eventSize(topic: topic, payloadCount: rawPayloadJSON.count)
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            guard let base = buffer.baseAddress else { initialized = 0; return }
            initialized = writeEvent(topic: topic, rawPayloadJSON: rawPayloadJSON, into: UnsafeMutableRawPointer(base))
        }
    }
}
