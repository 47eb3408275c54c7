import Foundation
import TestSupport

/// Files under `<package root>/Fixtures/`.
enum Fixture {
    /// URL of `Fixtures/<relativePath>`, e.g. `url("http/get-simple.txt")`.
    static func url(_ relativePath: String) -> URL {
        Repository.url("Fixtures/" + relativePath)
    }

    /// The exact bytes of `Fixtures/<relativePath>`.
    static func bytes(_ relativePath: String) throws -> [UInt8] {
        Array(try Data(contentsOf: url(relativePath)))
    }
}
