import PushCodec

/// The connection's deadlines (`ConnectionPolicy`): one phase at a time, each with one deadline
/// that the loop's ticker checks. Loop thread only, like the rest of `Connection`.
extension Connection {
    /// Moves to a handler phase with the policy's timeout for it, from now.
    public func enter(_ phase: ConnectionPhase) {
        enter(phase, until: loop.now() + policy.timeout(phase))
    }

    /// Moves to a handler phase that ends at `deadline` (loop clock, see `EventLoop.now()`).
    public func enter(_ phase: ConnectionPhase, until deadline: UInt64) {
        loop.preconditionOnLoop()
        // Draining and lingering belong to the connection: a handler cannot reopen them.
        guard state == .open, phase != .draining, phase != .lingering else { return }
        self.phase = phase
        self.deadline = deadline
    }

    /// Output the peer has not taken yet: ours queued plus the kernel's unacknowledged bytes.
    public var unsentBytes: Int { outbound.queuedBytes + Socket.unsentBytes(fd) }

    /// Draining ends a peer that takes nothing, not one slowly taking a last answer: each tick
    /// asks the kernel how much the peer has not acknowledged (its buffer hides that progress
    /// from our writes), and any progress restarts the deadline.
    private func noteDrainProgress(now: UInt64) {
        let unsent = unsentBytes
        if unsent < unsentAtDrainMark { deadline = now + policy.draining }
        unsentAtDrainMark = unsent
    }

    func setPhase(_ phase: ConnectionPhase) {
        self.phase = phase
        deadline = loop.now() + policy.timeout(phase)
    }

    /// The phase's time is up. Draining and lingering close at once; in a handler phase the
    /// handler may act (a WebSocket sends its close), and if it leaves the deadline where it
    /// was the connection closes anyway, so a deadline always ends something.
    private func deadlinePassed() {
        onEvent?(.deadlinePassed(phase: phase, peer: peer?.description ?? "?"))
        guard state == .open, let handler else { return closeGivingUp() }
        let before = (phase, deadline)
        handler.connectionDeadlinePassed(self, phase: phase)
        if state == .open && phase == before.0 && deadline == before.1 { closeGivingUp() }
    }

    func tick(now: UInt64) {
        if state == .draining { noteDrainProgress(now: now) }
        if now >= deadline { return deadlinePassed() }
        if state == .open { handler?.connectionTick(self, now: now) }
    }
}
