import Foundation

/// Locates files under `<package root>/Fixtures/` from any test target (Tests/<Target>/ is two levels down).
enum Fixture {
    /// The `Fixtures` directory of the package these tests belong to.
    static func root(filePath: String = #filePath) -> URL {
        URL(fileURLWithPath: filePath)
            .deletingLastPathComponent()  // Tests/<Target>
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // package root
            .appendingPathComponent("Fixtures", isDirectory: true)
    }

    /// URL of `Fixtures/<relativePath>`, e.g. `url("http/get-simple.txt")`.
    static func url(_ relativePath: String) -> URL {
        root().appendingPathComponent(relativePath)
    }

    /// The exact bytes of `Fixtures/<relativePath>`.
    static func bytes(_ relativePath: String) throws -> [UInt8] {
        Array(try Data(contentsOf: url(relativePath)))
    }
}
