import Foundation

/// Creates a fresh directory `<system temp>/<prefix><UUID>` and returns its path; the caller
/// removes it (or uses `withTemporaryDirectory`).
public func makeTemporaryDirectory(_ prefix: String) throws -> String {
    let path = NSTemporaryDirectory() + prefix + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A fresh temporary directory for the duration of `body`, removed afterwards.
public func withTemporaryDirectory<T>(_ prefix: String = "wamp-push-test-", _ body: (URL) throws -> T) throws -> T {
    let path = try makeTemporaryDirectory(prefix)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(URL(fileURLWithPath: path, isDirectory: true))
}
