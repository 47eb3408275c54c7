import Dispatch
import PushStore
import Synchronization

/// Pushes this node's tokens to the shared table: twice a second, what the creation log holds
/// (then forgets it), and the whole table each time the commands connection comes up (first
/// start in cluster mode, or a Redis that restarted empty). One batch at a time; a batch that
/// fails is read again at the next poll, so nothing is lost while Redis is down.
///
/// Confinement: `timer` fires on the store queue (a dispatch source is safe to resume and cancel
/// from any thread, hence `@unchecked Sendable`); `inFlight`, `wantsFullPush` and `stopped` are
/// atomics shared by the store queue and the node's loop, which runs the pushes.
final class TokenSync: @unchecked Sendable {
    private unowned let node: ClusterNode
    private let inFlight = Atomic<Bool>(false)
    /// True from the start: the first push after start is the whole table, whenever the
    /// connection came up (an "up" seen before this object existed must not skip it).
    private let wantsFullPush = Atomic<Bool>(true)
    private let stopped = Atomic<Bool>(false)
    private let timer: DispatchSourceTimer
    static let batch = 500

    init(node: ClusterNode) {
        self.node = node
        timer = DispatchSource.makeTimerSource(queue: node.store.queue)
    }

    func start() {
        timer.schedule(deadline: .now() + .milliseconds(500), repeating: .milliseconds(500), leeway: .milliseconds(100))
        timer.setEventHandler { [weak self] in self?.poll() }
        timer.resume()
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        timer.cancel()
    }

    /// The commands connection is up (again): push everything at the next poll.
    func connected() { wantsFullPush.store(true, ordering: .relaxed) }

    /// On the store queue.
    private func poll() {
        guard !stopped.load(ordering: .relaxed), node.commandsAreUp,
              inFlight.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        do {
            let full = wantsFullPush.exchange(false, ordering: .relaxed)
            let (records, through) = try node.store.withDatabaseOnQueue { db -> ([TokenRecord], Int64?) in
                let tokens = TokenStore(database: db)
                let log = try tokens.creations(after: 0, limit: Self.batch)
                if full { return (try tokens.list(), log.last?.seq) }
                return (log.compactMap(\.record), log.last?.seq)
            }
            guard !records.isEmpty || through != nil else {
                inFlight.store(false, ordering: .releasing)
                return
            }
            node.loop.execute { [self] in
                node.push(records) { [self] ok in
                    guard ok else {
                        if full { wantsFullPush.store(true, ordering: .relaxed) }
                        return inFlight.store(false, ordering: .releasing)
                    }
                    node.store.async({ db in if let through { try TokenStore(database: db).forgetCreations(through: through) } }) { [self] _ in
                        inFlight.store(false, ordering: .releasing)
                    }
                }
            }
        } catch {
            inFlight.store(false, ordering: .releasing)
            node.log.error("cluster: reading the token table failed", metadata: ["error": "\(error)"])
        }
    }
}
