/// The XOR masking of RFC 6455 §5.3; applying it twice restores the original bytes.
enum Masking {
    /// XORs `bytes` in place with `key`, where `bytes[0]` is payload byte number `offset` of its frame.
    ///
    /// `offset` lets a frame split across reads resume with the right key byte.
    static func apply(key: UInt32, offset: Int, to bytes: UnsafeMutableRawBufferPointer) {
        guard let base = bytes.baseAddress, key != 0 else { return }
        let shift = UInt32((offset & 3) * 8)
        // Rotate so the key starts at the byte this chunk begins with.
        let rotated = shift == 0 ? key : (key << shift) | (key >> (32 - shift))
        // `.bigEndian` puts the key bytes in memory in wire order on any host.
        let key32 = UInt64(rotated.bigEndian)
        let key64 = key32 | key32 << 32
        let count = bytes.count
        var i = 0
        while i + 8 <= count {
            let word = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            base.storeBytes(of: word ^ key64, toByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < count {
            let keyByte = UInt8(truncatingIfNeeded: rotated >> (24 - 8 * UInt32(i & 3)))
            bytes[i] ^= keyByte
            i += 1
        }
    }
}
