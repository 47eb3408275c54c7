import PushCodec
import Synchronization

/// Random bytes for session ids, drawn from OpenSSL's DRBG about a kilobyte at a time: one
/// `RAND_bytes` (which also asks the kernel for the pid, its fork check) per 85 sessions instead
/// of one per handshake. Every loop shares it, behind a mutex held for a 12-byte copy; bytes
/// handed out are zeroed, so the pool holds only ids not yet given.
enum SessionIdRandom {
    static let bytesPerId = 12
    static let batch = 85 * bytesPerId
    private static let pool = Mutex<(bytes: [UInt8], next: Int)>(([], batch))

    /// The next 12 random bytes, as the 96 bits of one id.
    static func next() -> (high: UInt64, low: UInt32) {
        pool.withLock { state in
            if state.next + bytesPerId > state.bytes.count {
                state.bytes = Digest.randomBytes(batch)
                state.next = 0
            }
            let i = state.next
            state.next += bytesPerId
            return state.bytes.withUnsafeMutableBytes { raw in
                defer { for k in i..<(i + bytesPerId) { raw[k] = 0 } }
                return (raw.loadUnaligned(fromByteOffset: i, as: UInt64.self), raw.loadUnaligned(fromByteOffset: i + 8, as: UInt32.self))
            }
        }
    }
}
