/// Why a wamp-push config could not be built from an EspoCRM root: one line for the CLI.
public struct EspoConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
