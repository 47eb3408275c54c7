/// Builds WebSocket frames (RFC 6455 §5.2). Server frames are unmasked and shareable.
public enum FrameEncoder {
    /// Bytes the header of a frame with `payloadCount` payload bytes takes.
    public static func headerSize(payloadCount: Int, masked: Bool) -> Int {
        let lengthBytes = payloadCount < 126 ? 0 : (payloadCount <= 0xFFFF ? 2 : 8)
        return 2 + lengthBytes + (masked ? 4 : 0)
    }

    /// Writes a header with the shortest length encoding; returns the bytes written.
    ///
    /// `maskKey` is the four key bytes in wire order read as a big-endian number; nil for no mask.
    @discardableResult
    public static func writeHeader(into out: UnsafeMutableRawPointer, opcode: Opcode, fin: Bool,
                                   payloadCount: Int, maskKey: UInt32?) -> Int {
        out.storeBytes(of: (fin ? 0x80 : 0) | (opcode.rawValue & 0x0F), as: UInt8.self)
        let maskBit: UInt8 = maskKey == nil ? 0 : 0x80
        var written = 2
        if payloadCount < 126 {
            out.storeBytes(of: maskBit | UInt8(payloadCount), toByteOffset: 1, as: UInt8.self)
        } else if payloadCount <= 0xFFFF {
            out.storeBytes(of: maskBit | 126, toByteOffset: 1, as: UInt8.self)
            written += writeBigEndian(UInt64(payloadCount), byteCount: 2, into: out + written)
        } else {
            out.storeBytes(of: maskBit | 127, toByteOffset: 1, as: UInt8.self)
            written += writeBigEndian(UInt64(payloadCount), byteCount: 8, into: out + written)
        }
        if let maskKey {
            written += writeBigEndian(UInt64(maskKey), byteCount: 4, into: out + written)
        }
        return written
    }

    /// One unmasked frame in one allocation, ready to be written to any number of connections.
    public static func serverFrame(_ opcode: Opcode, payload: UnsafeRawBufferPointer, fin: Bool = true) -> SharedBytes {
        let headerCount = headerSize(payloadCount: payload.count, masked: false)
        return SharedBytes(count: headerCount + payload.count) { out in
            guard let base = out.baseAddress else { return }
            let written = writeHeader(into: base, opcode: opcode, fin: fin, payloadCount: payload.count, maskKey: nil)
            if let source = payload.baseAddress, payload.count > 0 {
                (base + written).copyMemory(from: source, byteCount: payload.count)
            }
        }
    }

    /// One unmasked, final frame carrying `payload`.
    public static func serverFrame(_ opcode: Opcode, payload: [UInt8]) -> SharedBytes {
        payload.withUnsafeBytes { serverFrame(opcode, payload: $0) }
    }

    /// One unmasked, final text frame.
    public static func serverFrame(text: String) -> SharedBytes {
        var text = text
        return text.withUTF8 { serverFrame(.text, payload: UnsafeRawBufferPointer($0)) }
    }

    /// One masked frame as a client sends it (for tests, `doctor` and benchmarks).
    public static func clientFrame(_ opcode: Opcode, payload: UnsafeRawBufferPointer, maskKey: UInt32, fin: Bool = true) -> [UInt8] {
        let headerCount = headerSize(payloadCount: payload.count, masked: true)
        return [UInt8](unsafeUninitializedCapacity: headerCount + payload.count) { out, initialized in
            guard let base = out.baseAddress else { return }
            let raw = UnsafeMutableRawPointer(base)
            let written = writeHeader(into: raw, opcode: opcode, fin: fin, payloadCount: payload.count, maskKey: maskKey)
            if let source = payload.baseAddress, payload.count > 0 {
                (raw + written).copyMemory(from: source, byteCount: payload.count)
            }
            Masking.apply(key: maskKey, offset: 0,
                          to: UnsafeMutableRawBufferPointer(start: raw + written, count: payload.count))
            initialized = headerCount + payload.count
        }
    }

    /// A close payload: the code, then as much of `reason` as fits in 125 bytes without splitting a character.
    public static func closePayload(code: CloseCode, reason: String) -> [UInt8] {
        [UInt8(code.rawValue >> 8), UInt8(code.rawValue & 0xFF)]
            + UTF8Truncation.prefix(Array(reason.utf8), maxBytes: 123)
    }

    private static func writeBigEndian(_ value: UInt64, byteCount: Int, into out: UnsafeMutableRawPointer) -> Int {
        for i in 0..<byteCount {
            out.storeBytes(of: UInt8(truncatingIfNeeded: value >> (8 * UInt64(byteCount - 1 - i))), toByteOffset: i, as: UInt8.self)
        }
        return byteCount
    }
}
