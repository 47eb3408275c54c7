import Glibc
import PushConfig

/// Reads a config file whole, failing with the operating system's reason (`Permission denied`,
/// `No such file or directory`, `Is a directory`) rather than a bare "cannot read".
enum ConfigFile {
    static func read(_ path: String) throws(ConfigError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(path, errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n == 0 { return bytes }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure(path, errno)
            }
            bytes += chunk[..<n]
        }
    }

    private static func failure(_ path: String, _ code: Int32) -> ConfigError {
        ConfigError("", "cannot read config file \(path): \(String(cString: strerror(code)))")
    }
}
