import PushCodec

/// The stage of one HTTP/1.1 connection as a value: which requests are owed answers (in order),
/// whether parsing may go on, whether an upgrade waits or runs, why reading is held, and the
/// per-turn budget. Pure: no sockets, no `Connection`. `HTTPConnectionHandler` feeds it events and
/// performs what it answers; it is owned by that handler, so it lives on the connection's loop.
package struct HTTPPipelineState {
    /// Whether more requests may be parsed from the buffered bytes.
    package enum Parsing: Equatable {
        case open
        /// The parser's last `next()` found no complete request, and no bytes came since.
        case drained
        /// A request asked for `Connection: close` (or was malformed): parse nothing after it.
        case stopped
    }

    /// A WebSocket upgrade: parsed behind unanswered requests (`pending`), then being decided.
    package enum Upgrade {
        case none
        case pending(HTTPRequest)
        case inProgress
    }

    /// Why reading is held; reading resumes when no reason is left.
    package struct Holds: OptionSet, Sendable {
        package let rawValue: UInt8
        package init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The pipeline is full, or an upgrade is being decided.
        package static let pipeline = Holds(rawValue: 1)
        /// The turn's budget is spent: go on in the next turn.
        package static let turn = Holds(rawValue: 2)
        /// The peer leaves too many answers untaken (checked again on each tick).
        package static let peer = Holds(rawValue: 4)
    }

    package enum Reading: Equatable { case pause, resume }

    /// What the handler does next inside its parse loop.
    package enum Step: Equatable {
        /// Parse one request (it counts against the turn's budget).
        case parse
        /// Budget spent with bytes buffered: pause reading and go on in the next turn.
        case yieldTurn
        case stop
    }

    /// An upgrade whose turn has come (no answer is owed before it).
    package enum UpgradeStep {
        /// The peer half-closed: no input side left for a WebSocket.
        case close
        /// Decide this upgrade; `pause` when reading was not yet held.
        case begin(HTTPRequest, pause: Bool)
    }

    private struct Slot {
        let id: UInt64
        let keepAlive: Bool
        var answer: HTTPResponse?
    }

    package let maxInFlight: Int
    package let maxRequestsPerTurn: Int
    package let maxUntakenAnswerBytes: Int

    private var inFlight: [Slot] = []
    private var nextID: UInt64 = 0
    package private(set) var parsing = Parsing.open
    package private(set) var upgrade = Upgrade.none
    package private(set) var holds: Holds = []
    /// The peer half-closed: answer what it asked, then close (RFC 9112 §9.6).
    package private(set) var inputEnded = false
    private var turn: UInt64 = 0
    private var startedThisTurn = 0

    package init(maxInFlight: Int, maxRequestsPerTurn: Int, maxUntakenAnswerBytes: Int) {
        self.maxInFlight = maxInFlight
        self.maxRequestsPerTurn = maxRequestsPerTurn
        self.maxUntakenAnswerBytes = maxUntakenAnswerBytes
    }

    package var inFlightCount: Int { inFlight.count }
    private var upgradeIdle: Bool { if case .none = upgrade { true } else { false } }
    private var upgrading: Bool { if case .inProgress = upgrade { true } else { false } }
    /// Answers owed or an upgrade waiting or running.
    package var busy: Bool { !inFlight.isEmpty || !upgradeIdle }

    // MARK: holds

    private mutating func hold(_ reason: Holds) -> Reading? {
        let wasFree = holds.isEmpty
        holds.insert(reason)
        return wasFree ? .pause : nil
    }

    private mutating func release(_ reason: Holds) -> Reading? {
        guard holds.contains(reason) else { return nil }
        holds.remove(reason)
        return holds.isEmpty ? .resume : nil
    }

    // MARK: events

    package mutating func bytesArrived() {
        if parsing == .drained { parsing = .open }
    }

    /// A loop turn begins (called with the loop's turn number on every pass; counts once per turn).
    package mutating func turnStarted(_ turn: UInt64) {
        guard turn != self.turn else { return }
        self.turn = turn
        startedThisTurn = 0
    }

    /// More than `maxUntakenAnswerBytes` wait for the peer while requests are buffered: hold reading.
    /// `unsentBytes` asks the kernel (an `ioctl`), so it is evaluated only when requests are
    /// buffered and an earlier request could have left answers (not for a connection's first).
    package mutating func checkPeer(bufferedBytes: Bool, unsentBytes: @autoclosure () -> Int) -> Reading? {
        guard !holds.contains(.peer), bufferedBytes, nextID > 0, unsentBytes() > maxUntakenAnswerBytes else { return nil }
        return hold(.peer) ?? .pause
    }

    /// What a tick asks of the handler.
    package enum Tick: Equatable {
        case nothing
        /// The held-back peer took enough of its answers: process again (resuming reading when
        /// `resume`, that is when nothing else holds it).
        case process(resume: Bool)
    }

    /// On each tick: has a held-back peer taken enough of its answers (half the limit)?
    package mutating func tick(unsentBytes: @autoclosure () -> Int) -> Tick {
        guard holds.contains(.peer), unsentBytes() <= maxUntakenAnswerBytes / 2 else { return .nothing }
        return .process(resume: release(.peer) == .resume)
    }

    /// The next turn came after a `yieldTurn`.
    package mutating func turnResumed() -> Reading? { release(.turn) }

    /// Inside the parse loop: may one more request be parsed now?
    package mutating func nextStep(bufferedBytes: Bool, outputCongested: Bool) -> Step {
        guard parsing != .stopped, upgradeIdle, inFlight.count < maxInFlight, !outputCongested,
              !holds.contains(.turn), !holds.contains(.peer) else { return .stop }
        if startedThisTurn >= maxRequestsPerTurn {
            guard bufferedBytes else { return .stop }
            _ = hold(.turn)
            return .yieldTurn
        }
        startedThisTurn += 1
        return .parse
    }

    package mutating func parserDrained() {
        if parsing == .open { parsing = .drained }
    }

    /// A request to answer; its answer goes out after every earlier one. Returns its slot id.
    package mutating func requestParsed(keepAlive: Bool) -> UInt64 {
        nextID += 1
        inFlight.append(Slot(id: nextID, keepAlive: keepAlive))
        if !keepAlive { parsing = .stopped }
        return nextID
    }

    /// The request was malformed: its error answer is ready, and nothing after it is parsed.
    package mutating func requestRejected(_ answer: HTTPResponse) {
        nextID += 1
        inFlight.append(Slot(id: nextID, keepAlive: false, answer: answer))
        parsing = .stopped
    }

    package mutating func upgradeParsed(_ request: HTTPRequest) {
        upgrade = .pending(request)
    }

    /// After the parse loop: with the pipeline full (or an upgrade waiting), hold reading.
    package mutating func parseLoopEnded() -> Reading? {
        guard inFlight.count >= maxInFlight || !upgradeIdle, !holds.contains(.pipeline) else { return nil }
        return hold(.pipeline) ?? .pause
    }

    /// An answer is ready; it is sent when every earlier one is. Unknown ids (closed) are ignored.
    package mutating func answerReady(_ id: UInt64, _ answer: HTTPResponse) {
        guard let index = inFlight.firstIndex(where: { $0.id == id }) else { return }
        inFlight[index].answer = answer
    }

    /// The answer at the head of the pipeline, when ready; it leaves the pipeline.
    package mutating func nextAnswer() -> (answer: HTTPResponse, keepAlive: Bool)? {
        guard let head = inFlight.first, let answer = head.answer else { return nil }
        inFlight.removeFirst()
        return (answer, head.keepAlive)
    }

    /// An answer closes the connection: parse nothing more and owe nothing more.
    package mutating func closing() {
        parsing = .stopped
        inFlight.removeAll()
    }

    /// With no answer owed, a pending upgrade starts (or the connection closes after a half-close).
    package mutating func upgradeIfDue() -> UpgradeStep? {
        guard inFlight.isEmpty, case .pending(let request) = upgrade else { return nil }
        if inputEnded {
            upgrade = .none
            return .close
        }
        upgrade = .inProgress
        let wasHeld = holds.contains(.pipeline)
        holds.insert(.pipeline)
        return .begin(request, pause: !wasHeld)
    }

    /// Answers were sent: with room in the pipeline again, release its hold.
    package mutating func answersSent() -> Reading? {
        guard holds.contains(.pipeline), inFlight.count < maxInFlight, !upgrading else { return nil }
        return release(.pipeline)
    }

    /// The router decided the upgrade: reading resumes whatever was holding it (the WebSocket
    /// handler, or the rejection's close, takes over).
    package mutating func upgradeDecided() -> Reading {
        holds = []
        return .resume
    }

    /// The peer half-closed. `false` when an upgrade waits or runs (it needs the input side).
    package mutating func peerInputEnded() -> Bool {
        guard upgradeIdle else { return false }
        inputEnded = true
        return true
    }

    /// After a half-close: no answer owed and no complete request left, so close after flushing.
    package var shouldCloseAfterHalfClose: Bool {
        guard inputEnded, inFlight.isEmpty, !upgrading else { return false }
        return parsing == .stopped || (parsing == .drained && upgradeIdle)
    }
}
