/// A start-up failure, as the one line `serve` prints before exiting non-zero.
public struct StartupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
