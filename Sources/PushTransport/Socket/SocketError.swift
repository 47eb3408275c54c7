import Glibc

/// A failed system call, named, with errno captured on the spot so a log line says what failed.
public struct SocketError: Error, CustomStringConvertible, Equatable, Sendable {
    public let call: String
    public let errno: Int32
    public let detail: String?

    public init(_ call: String, errno: Int32 = Glibc.errno, detail: String? = nil) {
        self.call = call
        self.errno = errno
        self.detail = detail
    }

    public var description: String {
        let reason = String(cString: strerror(errno))
        if let detail { return "\(call) \(detail): \(reason)" }
        return "\(call): \(reason)"
    }
}
