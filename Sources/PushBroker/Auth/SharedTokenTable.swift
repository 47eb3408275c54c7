import PushStore

/// Token records several nodes share (a cluster's, Docs/cluster.md): a token made on any node
/// admits on every node, and one revoked anywhere is refused everywhere. When set, the
/// authenticator asks it after the local table on every cache miss; its answer wins over the
/// local one, which only decides when the shared table has no record or cannot be reached.
package protocol SharedTokenTable: Sendable {
    /// The shared record of `tokenHash` (nil: none), or a failure when the table cannot be
    /// reached in time. `completion` may run on any thread.
    func record(tokenHash: String, completion: @escaping @Sendable (Result<TokenRecord?, SharedTokenError>) -> Void)
}

/// The shared table could not answer (down, slow); one line for the log.
package struct SharedTokenError: Error, Sendable, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}
