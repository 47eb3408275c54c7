import PushCodec

/// One write attempt of `Connection.flush()`: plain `sendmsg` of the queued frames, or one TLS
/// record. Loop thread only, like the rest of the connection.
extension Connection {
    enum WriteOutcome { case progress, blocked, waitForRead, failed }

    func writePlain() -> WriteOutcome {
        let count = outbound.fill(loop.iovecs, max: EventLoop.maxIOVecs)
        switch Socket.writev(fd, loop.iovecs, count: count) {
        case .bytes(let n):
            outbound.consume(n)
            return .progress
        case .wouldBlock: return .blocked
        case .eof, .failed: return .failed
        }
    }

    func writeTLS() -> WriteOutcome {
        guard let tls else { return .failed }
        // Large frames go straight from their shared block; small ones are gathered into one record.
        var chunk: UnsafeRawBufferPointer
        if let head = outbound.headChunk, head.count >= loop.tlsScratch.count || tlsRetryLength > loop.tlsScratch.count {
            chunk = UnsafeRawBufferPointer(rebasing: head[0..<(tlsRetryLength > 0 ? min(tlsRetryLength, head.count) : head.count)])
        } else {
            let limit = tlsRetryLength > 0 ? tlsRetryLength : loop.tlsScratch.count
            let n = outbound.gather(into: loop.tlsScratch, limit: limit)
            chunk = UnsafeRawBufferPointer(rebasing: loop.tlsScratch[0..<n])
        }
        switch tls.write(chunk) {
        case .wrote(let n):
            tlsRetryLength = 0
            outbound.consume(n)
            return .progress
        case .wantWrite:
            tlsRetryLength = chunk.count
            return .blocked
        case .wantRead:
            tlsRetryLength = chunk.count
            return .waitForRead
        case .closed, .failed:
            return .failed
        }
    }
}
