import CZeroMQ

/// Publishes the way EspoCRM's sender does (a ZeroMQ PUSH socket connected to the server's
/// `espo.zeroMQ`), for `fanout --zeromq`. Owned by the driver's worker thread: created, used and
/// closed there only.
final class ZeroMQPusher {
    private let context: UnsafeMutableRawPointer
    private let socket: UnsafeMutableRawPointer

    init(dsn: String) throws(BenchError) {
        guard let context = zmq_ctx_new() else { throw BenchError("zmq_ctx_new failed") }
        guard let socket = zmq_socket(context, ZMQ_PUSH) else {
            zmq_ctx_term(context)
            throw BenchError("cannot create a ZeroMQ PUSH socket")
        }
        var hwm: Int32 = 100_000
        var linger: Int32 = 0
        _ = zmq_setsockopt(socket, ZMQ_SNDHWM, &hwm, MemoryLayout<Int32>.size)
        _ = zmq_setsockopt(socket, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
        guard zmq_connect(socket, dsn) == 0 else {
            zmq_close(socket)
            zmq_ctx_term(context)
            throw BenchError("cannot connect a ZeroMQ PUSH socket to \(dsn)")
        }
        self.context = context
        self.socket = socket
    }

    /// Queues one single-frame message without waiting; false when the send queue is full.
    func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { zmq_send(socket, $0.baseAddress, $0.count, ZMQ_DONTWAIT) } >= 0
    }

    func close() {
        zmq_close(socket)
        zmq_ctx_term(context)
    }
}
