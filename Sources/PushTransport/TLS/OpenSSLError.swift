import COpenSSL

/// Reads OpenSSL's thread-local error queue into text.
///
/// OpenSSL keeps errors per thread, and one loop thread serves many connections (and the CLI's
/// clients share threads too), so whoever causes an error must drain it: a leftover entry would
/// be blamed on the next connection whose call happens to run on the same thread.
enum OpenSSLError {
    /// Empties the queue and returns its entries as one line ("" when it was empty).
    static func drain() -> String {
        entries().joined(separator: "; ")
    }

    /// Drains the queue and returns its line, or `fallback` when OpenSSL recorded nothing.
    static func drain(orElse fallback: String) -> String {
        let line = drain()
        return line.isEmpty ? fallback : line
    }

    /// Empties the queue and returns only its oldest entry, the root cause; OpenSSL stacks
    /// generic wrappers such as "SSL routines::PEM lib" on top of it, which only add noise.
    static func drainRootCause(orElse fallback: String) -> String {
        entries().first ?? fallback
    }

    private static func entries() -> [String] {
        var lines: [String] = []
        var buffer = [CChar](repeating: 0, count: 256)
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            let line = buffer.withUnsafeMutableBufferPointer { chars -> String in
                ERR_error_string_n(code, chars.baseAddress, chars.count)
                return String(cString: chars.baseAddress!)
            }
            // The same reason is often pushed twice on the way up the call stack.
            if !lines.contains(line) { lines.append(line) }
        }
        return lines
    }

    /// Throws away whatever an earlier call left behind, before a call whose outcome we inspect.
    static func clear() {
        ERR_clear_error()
    }
}

/// A TLS setting that cannot work; `message` is one line that names the file and the problem.
public struct TLSConfigError: Error, CustomStringConvertible, Equatable {
    /// One human-readable line, printed as-is when the server refuses to start.
    public let message: String

    /// Wraps a ready-made one-line message.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
