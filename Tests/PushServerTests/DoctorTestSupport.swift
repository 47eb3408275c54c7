import Foundation
import Glibc
import PushServer
import PushTools
import PushTransport

/// A stand-in for a misconfigured proxy: a loopback listener that answers every connection with
/// the same bytes (e.g. `HTTP/1.1 502 Bad Gateway`) and closes it.
final class DoctorFakeProxy: @unchecked Sendable {
    let port: UInt16
    private let fd: Int32

    init(answer: String) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw DoctorTestError("fake proxy: bind/listen failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        let listener = fd
        let bytes = Array(answer.utf8)
        Thread.detachNewThread {
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 { return }
                // Read the request head (whatever arrives first) so the close is not a reset.
                var buffer = [UInt8](repeating: 0, count: 4096)
                _ = read(client, &buffer, buffer.count)
                _ = bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                Glibc.shutdown(client, Int32(SHUT_WR))
                close(client)
            }
        }
    }

    func stop() {
        Glibc.shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }
}

struct DoctorTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}


/// The names of the steps that passed, then the failing one, for compact expectations.
func doctorOutcome(_ steps: [DoctorStep]) -> [String] {
    steps.map { "\($0.ok ? "✓" : "✗") \($0.name)" }
}

let doctorAllPassed = DoctorStep.Name.allCases.map { "✓ \($0.rawValue)" }
