/// Holds the unfinished tail of one connection's last read, so the next read can complete it.
///
/// The read path puts the carried bytes at the front of the thread's big buffer and reads
/// behind them; only a frame split across reads is ever copied, and only once.
public struct FrameCarry: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public var count: Int { bytes.count }
    public var isEmpty: Bool { bytes.isEmpty }

    /// Copies the carried bytes to `destination` and forgets them; returns how many.
    @inline(__always)
    public mutating func drain(into destination: UnsafeMutableRawPointer) -> Int {
        let n = bytes.count
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { destination.copyMemory(from: $0.baseAddress!, byteCount: n) }
        bytes.removeAll(keepingCapacity: false)
        return n
    }

    /// Keeps `tail` (the incomplete frame at the end of a read) for the next read.
    public mutating func keep(_ tail: UnsafeRawBufferPointer) {
        bytes = Array(tail)
    }
}

/// Feeds chunks of a server byte stream and returns whole frames with copies of their payloads:
/// the slow, simple path for tests and the HTTP-to-WebSocket hand-over, same parser underneath.
public struct FrameStream: Sendable {
    public struct Message: Equatable, Sendable {
        public let opcode: UInt8
        public let fin: Bool
        public let payload: [UInt8]

        public init(opcode: UInt8, fin: Bool, payload: [UInt8]) {
            self.opcode = opcode
            self.fin = fin
            self.payload = payload
        }
    }

    private var pending: [UInt8] = []

    public init() {}

    /// Appends `chunk` and returns every frame it completed.
    public mutating func feed(_ chunk: some Collection<UInt8>) throws(ServerFrameError) -> [Message] {
        pending.append(contentsOf: chunk)
        var out: [Message] = []
        var offset = 0
        let result: ServerFrameError? = pending.withUnsafeBytes { buffer in
            while true {
                switch ServerFrameParser.next(in: buffer, at: offset) {
                case .frame(let f):
                    out.append(Message(opcode: f.opcode, fin: f.fin,
                                       payload: Array(buffer[f.payloadOffset..<f.end])))
                    offset = f.end
                case .incomplete:
                    return nil
                case .failed(let e):
                    return e
                }
            }
        }
        if let result { throw result }
        pending.removeFirst(offset)
        return out
    }

    /// Bytes received but not yet part of a whole frame.
    public var bufferedCount: Int { pending.count }
}
