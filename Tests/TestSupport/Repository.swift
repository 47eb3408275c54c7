import Foundation

/// The package checkout the tests run from: one place finds it, from this file's path
/// (`Tests/TestSupport/` is two levels below the root).
public enum Repository {
    /// The package root.
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Tests/TestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root

    /// `<root>/<relativePath>`, e.g. `url("Docs/deployment.md")`.
    public static func url(_ relativePath: String) -> URL {
        root.appendingPathComponent(relativePath)
    }

    /// The exact bytes of `<root>/<relativePath>`.
    public static func bytes(_ relativePath: String) throws -> [UInt8] {
        Array(try Data(contentsOf: url(relativePath)))
    }
}
