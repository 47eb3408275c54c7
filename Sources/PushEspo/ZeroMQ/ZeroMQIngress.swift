import CZeroMQ
import Dispatch
import Foundation
import Logging
import PushObservability
import Synchronization

/// The receiving end of EspoCRM's ZeroMQ hand-over: a PULL socket bound at a DSN, read on its
/// own thread, each single-frame message handed to `handler` (Docs/espocrm.md).
///
/// Threads: the libzmq context and socket are created, bound, read and closed on the receive
/// thread only (ZeroMQ sockets are not thread-safe); other threads touch only the `Mutex`/atomic
/// state below. `handler` runs on the receive thread and must be quick (decode, validate,
/// enqueue to the loops): while it runs nothing is read, and once `receiveHighWaterMark`
/// messages wait, libzmq stops reading the senders' connections.
///
/// Bounds: at most `receiveHighWaterMark` messages queued in libzmq; a message above
/// `maxMessageBytes` is received, counted `oversize` and dropped, the sender's connection kept;
/// one above `socketMaxMessageBytes` (ZMQ_MAXMSGSIZE) is refused by libzmq without being read
/// into memory, which drops that sender's connection (it reconnects for its next message; the
/// refused message is lost uncounted, as is anything sent behind it on that connection).
public final class ZeroMQIngress: Sendable {
    public struct Parameters: Sendable, Equatable {
        /// ZMQ_RCVHWM: messages libzmq queues for us before it stops reading from senders.
        public var receiveHighWaterMark: Int
        /// Larger messages are dropped and counted `oversize`.
        public var maxMessageBytes: Int
        /// ZMQ_MAXMSGSIZE: larger messages are refused by libzmq (the sender's connection dropped).
        public var socketMaxMessageBytes: Int

        public init(receiveHighWaterMark: Int = 1000, maxMessageBytes: Int = 1 << 20, socketMaxMessageBytes: Int? = nil) {
            self.receiveHighWaterMark = receiveHighWaterMark
            self.maxMessageBytes = maxMessageBytes
            self.socketMaxMessageBytes = socketMaxMessageBytes ?? maxMessageBytes.multipliedReportingOverflow(by: 2).partialValue
        }
    }

    /// Gets one message's bytes; returns quickly (see the type's comment).
    public typealias Handler = @Sendable ([UInt8]) -> ZeroMQOutcome

    /// How long one wait for input lasts, which bounds how long `stop()` takes.
    static let pollMilliseconds: Int = 100
    /// Messages read per wake-up before the stop flag is looked at again.
    static let batch = 1024

    public let endpoint: ZeroMQEndpoint
    public let parameters: Parameters
    private let handler: Handler
    private let observe: (@Sendable (String) -> Void)?
    private let log: Logger
    private let outcomeCounts = OutcomeCounts()
    private let throttle: LogThrottle

    private let stopping = Atomic<Bool>(false)
    /// `started` guards against a second start; `bound` is what libzmq reported after the bind,
    /// `startError` why it failed; `done` is signalled when the receive thread has ended.
    private let state = Mutex<(started: Bool, bound: String?, startError: ZeroMQError?, done: DispatchSemaphore?)>((false, nil, nil, nil))

    /// Checks the DSN and parameters; nothing is bound until `start()`. `observe`, when given,
    /// sees each message's result label on the receive thread (the wiring's metric counter).
    public init(dsn: String, parameters: Parameters = Parameters(), logger: Logger,
                observe: (@Sendable (String) -> Void)? = nil,
                clock: @escaping @Sendable () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 },
                handler: @escaping Handler) throws(ZeroMQError) {
        endpoint = try ZeroMQEndpoint.parse(dsn)
        guard parameters.receiveHighWaterMark >= 1, parameters.receiveHighWaterMark <= Int(Int32.max) else {
            throw .badParameter("the receive high-water mark must be from 1 to \(Int32.max) (got \(parameters.receiveHighWaterMark))")
        }
        guard parameters.maxMessageBytes >= 1, parameters.socketMaxMessageBytes >= parameters.maxMessageBytes else {
            throw .badParameter("the maximum message size must be at least 1 and not above the socket's (got \(parameters.maxMessageBytes), \(parameters.socketMaxMessageBytes))")
        }
        self.parameters = parameters
        self.handler = handler
        self.observe = observe
        self.log = logger
        self.throttle = LogThrottle(interval: 1, clock: clock)
    }

    /// Binds and starts the receive thread; returns once the bind succeeded, or throws its one-line reason.
    public func start() throws(ZeroMQError) {
        let done = DispatchSemaphore(value: 0)
        let first = state.withLock { s -> Bool in
            if s.started { return false }
            s.started = true
            s.done = done
            return true
        }
        guard first else { throw .library("the ingress was already started") }
        let ready = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            run(ready: ready)
            done.signal()
        }
        thread.name = "wamp-push.zeromq"
        thread.start()
        ready.wait()
        if let error = state.withLock({ $0.startError }) {
            done.wait()
            state.withLock { $0.done = nil }
            throw error
        }
    }

    /// Ends the receive thread (within about `pollMilliseconds`) and closes the socket; messages
    /// still queued in libzmq are discarded. Safe to call more than once, or without a start.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        let done = state.withLock { s -> DispatchSemaphore? in
            defer { s.done = nil }
            return s.done
        }
        done?.wait()
    }

    /// The endpoint libzmq bound (with the real port when the DSN said 0); nil before `start()`.
    public var boundEndpoint: String? { state.withLock { $0.bound } }

    /// Messages so far per result label (`published`, the handler's drop labels, `oversize`, `multipart`).
    public var counts: [String: Int] { outcomeCounts.snapshot }

    // MARK: The receive thread

    private func run(ready: DispatchSemaphore) {
        func failed(_ error: ZeroMQError) {
            state.withLock { $0.startError = error }
            ready.signal()
        }
        guard let context = zmq_ctx_new() else { return failed(.library("cannot create a context: \(Self.lastError())")) }
        defer { zmq_ctx_term(context) }
        _ = zmq_ctx_set(context, ZMQ_IO_THREADS, 1)
        guard let socket = zmq_socket(context, ZMQ_PULL) else {
            return failed(.library("cannot create a PULL socket: \(Self.lastError())"))
        }
        defer { zmq_close(socket) }
        if let error = configure(socket) ?? bind(socket) { return failed(error) }
        ready.signal()
        while !stopping.load(ordering: .acquiring) {
            var item = zmq_pollitem_t(socket: socket, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
            let n = zmq_poll(&item, 1, Self.pollMilliseconds)
            if n <= 0 { continue } // timeout, or EINTR: look at the stop flag again
            var taken = 0
            while taken < Self.batch, !stopping.load(ordering: .relaxed), receiveOne(socket) { taken += 1 }
        }
    }

    private func configure(_ socket: UnsafeMutableRawPointer) -> ZeroMQError? {
        var hwm = Int32(parameters.receiveHighWaterMark)
        var maxSize = Int64(parameters.socketMaxMessageBytes)
        // Nothing is ever sent on a PULL socket; closing must not wait for anything.
        var linger: Int32 = 0
        if zmq_setsockopt(socket, ZMQ_RCVHWM, &hwm, MemoryLayout<Int32>.size) != 0
            || zmq_setsockopt(socket, ZMQ_MAXMSGSIZE, &maxSize, MemoryLayout<Int64>.size) != 0
            || zmq_setsockopt(socket, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size) != 0 {
            return .library("cannot set socket options: \(Self.lastError())")
        }
        return nil
    }

    private func bind(_ socket: UnsafeMutableRawPointer) -> ZeroMQError? {
        guard zmq_bind(socket, endpoint.bindString) == 0 else {
            let code = zmq_errno()
            let why = code == ENODEV ? "no such address or interface on this host" : Self.errorText(code)
            return .bindFailed(endpoint.description, why)
        }
        var buffer = [CChar](repeating: 0, count: 512)
        var size = buffer.count
        if zmq_getsockopt(socket, ZMQ_LAST_ENDPOINT, &buffer, &size) == 0 {
            let bound = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            state.withLock { $0.bound = bound }
        }
        return nil
    }

    /// Reads one message without waiting; false when none is ready.
    private func receiveOne(_ socket: UnsafeMutableRawPointer) -> Bool {
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        guard zmq_msg_recv(&message, socket, ZMQ_DONTWAIT) >= 0 else { return false }
        let size = zmq_msg_size(&message)
        if zmq_msg_more(&message) != 0 {
            let parts = 1 + discardRemainingParts(socket)
            record(.dropped(result: "multipart", reason: "a message of \(parts) parts (EspoCRM sends one frame)"))
            return true
        }
        if size > parameters.maxMessageBytes {
            record(.dropped(result: "oversize", reason: "\(size) bytes, above the \(parameters.maxMessageBytes)-byte limit"))
            return true
        }
        let bytes = [UInt8](UnsafeRawBufferPointer(start: zmq_msg_data(&message), count: size))
        record(handler(bytes))
        return true
    }

    /// The later parts of a multi-part message arrive together with its first, so none waits.
    private func discardRemainingParts(_ socket: UnsafeMutableRawPointer) -> Int {
        var parts = 0
        var more = true
        while more {
            var part = zmq_msg_t()
            zmq_msg_init(&part)
            defer { zmq_msg_close(&part) }
            guard zmq_msg_recv(&part, socket, ZMQ_DONTWAIT) >= 0 else { break }
            parts += 1
            more = zmq_msg_more(&part) != 0
        }
        return parts
    }

    private func record(_ outcome: ZeroMQOutcome) {
        let label = outcomeCounts.add(outcome.result)
        observe?(label)
        guard case .dropped(_, let reason) = outcome, let suppressed = throttle.admit(label) else { return }
        var metadata: Logger.Metadata = ["result": "\(label)", "reason": "\(reason)"]
        if suppressed > 0 { metadata["suppressed"] = "\(suppressed)" }
        log.warning("zeromq message dropped", metadata: metadata)
    }

    private static func lastError() -> String { errorText(zmq_errno()) }

    private static func errorText(_ code: Int32) -> String {
        guard let text = zmq_strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}
