/// How many connections this process can hold: `limits.maxConnections`, lowered to what the
/// open-file limit leaves once the descriptors already open and a reserve are set aside.
///
/// The reserve is for what opens descriptors after start-up: the store's journal files, the
/// command runners' pipes (four per command while it starts), upstream connections, TLS files,
/// the ZeroMQ ingress, the listeners' spare descriptors being re-taken, and libdispatch, whose worker monitor opens
/// `/proc/<tid>/stat` and traps when it cannot (swift-corelibs-libdispatch, src/event/workqueue.c).
/// So connections alone never take the process to EMFILE. Docs/security.md, "Descriptors".
public struct ConnectionBudget: Sendable, Equatable {
    /// `limits.maxConnections`.
    public let configured: Int
    /// The soft RLIMIT_NOFILE after raising it to the hard limit.
    public let openFileLimit: Int
    /// Descriptors open when the budget was measured (store, loops, listeners, stdio).
    public let inUse: Int
    /// `limits.reservedDescriptors`.
    public let reserve: Int

    public init(configured: Int, openFileLimit: Int, inUse: Int, reserve: Int) {
        self.configured = configured
        self.openFileLimit = openFileLimit
        self.inUse = inUse
        self.reserve = reserve
    }

    /// Measures now: call once everything opened at start-up is open.
    public static func measure(configured: Int, reserve: Int) -> ConnectionBudget {
        ConnectionBudget(configured: configured, openFileLimit: FileLimits.openFileLimit(),
                         inUse: max(0, FileLimits.openDescriptorCount()), reserve: reserve)
    }

    /// What the descriptors leave for connections (may be 0 or less: see `problem`).
    public var descriptorRoom: Int { openFileLimit - inUse - reserve }

    /// The connection cap in force.
    public var cap: Int { max(0, min(configured, descriptorRoom)) }

    /// True when the open-file limit, not `maxConnections`, sets the cap.
    public var limitedByDescriptors: Bool { descriptorRoom < configured }

    /// Why the server cannot start with this budget, or nil when it can.
    public var problem: String? {
        guard descriptorRoom < 1 else { return nil }
        return "the open-file limit (\(openFileLimit)) leaves no descriptor for connections: \(inUse) are open at start "
            + "and limits.reservedDescriptors keeps \(reserve); raise LimitNOFILE (ulimit -n) or lower the reserve"
    }
}
