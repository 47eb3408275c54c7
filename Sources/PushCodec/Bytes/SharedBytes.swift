/// An immutable byte block with a stable address, shared by reference.
///
/// Server WebSocket frames are never masked, so one encoded EVENT frame can be
/// queued to thousands of connections: each queue holds a reference to the same
/// block and `writev` points straight at `base`. Sendable because nothing
/// mutates the bytes after `init` returns.
public final class SharedBytes: @unchecked Sendable {
    public let base: UnsafeRawPointer
    public let count: Int

    /// Allocates `count` bytes and lets `fill` write them exactly once.
    public init(count: Int, fill: (UnsafeMutableRawBufferPointer) -> Void) {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
        fill(UnsafeMutableRawBufferPointer(rebasing: storage[0..<count]))
        self.base = UnsafeRawPointer(storage.baseAddress!)
        self.count = count
    }

    public convenience init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        self.init(count: bytes.count) { out in
            // Contiguous sources (arrays, buffers) are one memcpy; others go element by element.
            let copied: Void? = bytes.withContiguousStorageIfAvailable { source in
                if source.count > 0 { out.baseAddress!.copyMemory(from: source.baseAddress!, byteCount: source.count) }
            }
            if copied == nil { _ = out.initializeMemory(as: UInt8.self, from: bytes) }
        }
    }

    /// One block holding `parts` back to back (several frames for one write).
    public convenience init(joining parts: [SharedBytes]) {
        self.init(count: parts.reduce(0) { $0 + $1.count }) { out in
            var offset = 0
            for part in parts {
                (out.baseAddress! + offset).copyMemory(from: part.base, byteCount: part.count)
                offset += part.count
            }
        }
    }

    public var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
    public var array: [UInt8] { Array(buffer) }

    deinit { UnsafeMutableRawPointer(mutating: base).deallocate() }
}
