#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks a TLS input file before OpenSSL sees it, because OpenSSL's own message for a
/// missing file ("system library::No such file or directory") does not say which file.
enum TLSFileCheck {
    /// Throws unless `path` names a regular file this process can open for reading.
    /// `role` is the human name used in the message, e.g. "certificate" or "key".
    static func requireReadableFile(_ path: String, role: String) throws(TLSConfigError) {
        var info = stat()
        if stat(path, &info) != 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR {
                throw TLSConfigError("TLS \(role) file not found: \(path)")
            }
            throw TLSConfigError("TLS \(role) file not readable: \(path) (\(SystemErrorText.describe(code)))")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw TLSConfigError("TLS \(role) path is a directory, not a file: \(path)")
        }
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            let code = errno
            throw TLSConfigError("TLS \(role) file not readable: \(path) (\(SystemErrorText.describe(code)))")
        }
        close(fd)
    }
}

/// Text for an errno value.
enum SystemErrorText {
    /// strerror text, e.g. "Permission denied".
    static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
