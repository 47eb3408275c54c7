/// Why the ZeroMQ ingress could not start; each reads as one line for the start-up error.
public enum ZeroMQError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The DSN is not `tcp://HOST:PORT` or `ipc://PATH`.
    case badEndpoint(String, String)
    /// `zmq_bind` failed (address in use, no such interface, ...).
    case bindFailed(String, String)
    /// A parameter is out of range (a high-water mark or size below 1).
    case badParameter(String)
    /// libzmq itself failed (context or socket could not be created).
    case library(String)

    public var description: String {
        switch self {
        case .badEndpoint(let dsn, let why): return "invalid ZeroMQ endpoint \"\(dsn)\": \(why)"
        case .bindFailed(let dsn, let why): return "cannot bind the ZeroMQ ingress at \(dsn): \(why)"
        case .badParameter(let why): return "ZeroMQ ingress: \(why)"
        case .library(let why): return "ZeroMQ: \(why)"
        }
    }
}
