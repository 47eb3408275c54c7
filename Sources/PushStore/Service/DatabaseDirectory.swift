import Glibc

/// The directory a database file lives in: created with its parents, and checked writable
/// (SQLite creates its `-wal` and `-shm` files next to the database), so a read-only data
/// directory stops start-up with one line naming it instead of an NSError dump or SQLite's
/// "unable to open database file".
package enum DatabaseDirectory {
    package struct Failure: Error, CustomStringConvertible {
        package init(description: String) {
            self.description = description
        }

        package let description: String
    }

    package static func prepare(forDatabase path: String) throws(Failure) {
        guard path != ":memory:" else { return }
        let directory = Self.directory(of: path)
        var prefix = directory.hasPrefix("/") ? "/" : ""
        for component in directory.split(separator: "/") where component != "." {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw Failure(description: "cannot create directory \(prefix): \(reason(errno))")
            }
        }
        if access(directory, W_OK) != 0 {
            throw Failure(description: "directory \(directory) is not writable: \(reason(errno))")
        }
    }

    /// `data` for `data/wamp-push.sqlite`, `.` for a bare file name.
    package static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    private static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }
}
