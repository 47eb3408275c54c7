import CSystem
import Glibc

/// One epoll instance and its event array; used by exactly one thread.
final class EpollLoop {
    let fd: Int32
    private let capacity: Int32 = 1024
    private let events: UnsafeMutablePointer<epoll_event>

    static let readable = EPOLLIN.rawValue
    static let writable = EPOLLOUT.rawValue
    static let hangup = EPOLLHUP.rawValue | EPOLLERR.rawValue | EPOLLRDHUP.rawValue

    init() throws(BenchError) {
        fd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard fd >= 0 else { throw BenchError("epoll_create1 failed: errno \(errno)") }
        events = .allocate(capacity: Int(capacity))
    }

    deinit {
        events.deallocate()
        Glibc.close(fd)
    }

    /// Level-triggered interest in `mask` for `socket`.
    func add(_ socket: Int32, _ mask: UInt32) -> Bool { control(EPOLL_CTL_ADD, socket, mask) }

    func modify(_ socket: Int32, _ mask: UInt32) -> Bool { control(EPOLL_CTL_MOD, socket, mask) }

    /// Waits at most `timeoutMilliseconds` (-1 forever); calls `body(fd, events)` per ready socket.
    @inline(__always)
    func wait(timeoutMilliseconds: Int32, _ body: (Int32, UInt32) -> Void) {
        let n = epoll_wait(fd, events, capacity, timeoutMilliseconds)
        guard n > 0 else { return }
        for i in 0..<Int(n) {
            body(events[i].data.fd, events[i].events)
        }
    }

    private func control(_ op: Int32, _ socket: Int32, _ mask: UInt32) -> Bool {
        var event = epoll_event()
        event.events = mask
        event.data.fd = socket
        return epoll_ctl(fd, op, socket, &event) == 0
    }
}
