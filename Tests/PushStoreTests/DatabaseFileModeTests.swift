import Foundation
import Testing
@testable import PushStore
import TestSupport

/// The database holds the WhatsApp API key and token hashes: a new file (and its WAL and shared
/// memory files) is readable by its owner only; an existing file keeps the mode its operator set.
@Suite struct DatabaseFileModeTests {
    static func mode(_ path: String) -> mode_t? {
        var s = stat()
        guard stat(path, &s) == 0 else { return nil }
        return s.st_mode & 0o777
    }

    @Test func freshDatabase_andItsWalAndShm_are0600() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("fresh.sqlite").path
            let database = try Database(path: path)
            defer { database.close() }
            try database.execute("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            #expect(Self.mode(path) == 0o600)
            #expect(Self.mode(path + "-wal") == 0o600)
            #expect(Self.mode(path + "-shm") == 0o600)
        }
    }

    @Test func existingDatabase_keepsItsMode() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("shared.sqlite").path
            do {
                let first = try Database(path: path)
                first.close()
            }
            #expect(chmod(path, 0o640) == 0)
            let database = try Database(path: path)
            defer { database.close() }
            try database.execute("CREATE TABLE t (x);")
            #expect(Self.mode(path) == 0o640)
        }
    }
}
