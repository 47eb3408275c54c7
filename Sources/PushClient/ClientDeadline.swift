import Glibc

/// A point in monotonic time after which a blocking operation gives up.
struct ClientDeadline {
    /// The length of the whole budget, for messages ("timed out after 2.0 s ...").
    let seconds: Double
    private let end: ContinuousClock.Instant

    init(seconds: Double) {
        self.seconds = seconds
        self.end = ContinuousClock.now.advanced(by: .milliseconds(Int64((max(0, seconds) * 1000).rounded())))
    }

    /// Milliseconds left, rounded up so a poll never returns just before the deadline; 0 when passed.
    var remainingMilliseconds: Int32 {
        let left = ContinuousClock.now.duration(to: end)
        guard left > .zero else { return 0 }
        let (s, atto) = left.components
        let ms = s * 1000 + (atto + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: ms)
    }

    /// `timed out after 2.0 s <what>`.
    func timeoutError(_ what: String) -> ClientError {
        ClientError(.timeout, "timed out after \(Self.format(seconds)) s \(what)")
    }

    /// Seconds with at most millisecond precision and no float noise: `2.0`, `0.25`.
    static func format(_ seconds: Double) -> String {
        "\((seconds * 1000).rounded() / 1000)"
    }

    /// Blocks in poll(2) until `fd` reports one of `events` (or an error/hang-up), or throws `.timeout`.
    func wait(fd: Int32, for events: Int16, _ what: String) throws(ClientError) {
        while true {
            let timeout = remainingMilliseconds
            if timeout == 0 { throw timeoutError(what) }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&entry, 1, timeout)
            if ready > 0 { return }
            if ready < 0 && errno != EINTR {
                throw ClientError(.closed, "poll \(what): \(String(cString: strerror(errno)))")
            }
        }
    }
}
