import PushCodec
import PushHTTP
import Testing

/// The HTTP connection's stage as a value, driven by events alone (no sockets): the handler's
/// behaviour across the wire is covered by HTTPIntegrationTests, SlowPeerTests, HalfCloseTests.
@Suite struct HTTPPipelineStateTests {
    private func makeState(maxInFlight: Int = 64, perTurn: Int = 8) -> HTTPPipelineState {
        HTTPPipelineState(maxInFlight: maxInFlight, maxRequestsPerTurn: perTurn, maxUntakenAnswerBytes: 1000)
    }

    private func upgradeRequest() -> HTTPRequest {
        HTTPRequest(head: HTTPRequestHead(method: "GET", target: "/wss",
                                          headers: HTTPHeaders([("Upgrade", "websocket"), ("Connection", "Upgrade")])))
    }

    /// Parses one request as the handler does: asks for a step, then reports it.
    private func parse(_ state: inout HTTPPipelineState, keepAlive: Bool = true) -> UInt64? {
        guard state.nextStep(bufferedBytes: true, outputCongested: false) == .parse else { return nil }
        return state.requestParsed(keepAlive: keepAlive)
    }

    /// Parses one request that must be startable.
    private func start(_ state: inout HTTPPipelineState, keepAlive: Bool = true) throws -> UInt64 {
        let id = parse(&state, keepAlive: keepAlive)
        return try #require(id)
    }

    @Test func answersLeaveInRequestOrder() throws {
        var state = makeState()
        state.turnStarted(1)
        let first = try start(&state)
        let second = try start(&state)
        state.answerReady(second, .text(200, "second"))
        let r1 = state.nextAnswer()
        #expect(r1 == nil) // the first one is still owed
        state.answerReady(first, .text(200, "first"))
        let r2 = state.nextAnswer()
        #expect(r2?.answer == .text(200, "first"))
        let r3 = state.nextAnswer()
        #expect(r3?.answer == .text(200, "second"))
        let r4 = state.nextAnswer()
        #expect(r4 == nil)
        #expect(!state.busy)
    }

    @Test func theFullPipelineStopsParsingAndHoldsReading() throws {
        var state = makeState(maxInFlight: 3, perTurn: 100)
        state.turnStarted(1)
        let ids = (0..<3).compactMap { _ in parse(&state) }
        #expect(ids.count == 3)
        let r5 = state.nextStep(bufferedBytes: true, outputCongested: false)
        #expect(r5 == .stop)
        let r6 = state.parseLoopEnded()
        #expect(r6 == .pause)
        state.answerReady(ids[0], .text(200, "a"))
        let r7 = state.nextAnswer()
        #expect(r7 != nil)
        let r8 = state.answersSent()
        #expect(r8 == .resume)
        let r9 = state.nextStep(bufferedBytes: true, outputCongested: false)
        #expect(r9 == .parse)
    }

    @Test func theDefaultCapIsSixtyFour() throws {
        var state = makeState(perTurn: 1000)
        state.turnStarted(1)
        var started = 0
        while parse(&state) != nil { started += 1 }
        #expect(started == 64)
    }

    @Test func congestedOutputParsesNothing() throws {
        var state = makeState()
        state.turnStarted(1)
        let r10 = state.nextStep(bufferedBytes: true, outputCongested: true)
        #expect(r10 == .stop)
    }

    @Test func theTurnBudgetYieldsThenGoesOnNextTurn() throws {
        var state = makeState(perTurn: 2)
        state.turnStarted(1)
        _ = try start(&state)
        _ = try start(&state)
        let r11 = state.nextStep(bufferedBytes: true, outputCongested: false)
        #expect(r11 == .yieldTurn)
        #expect(state.holds.contains(.turn))
        let r12 = state.nextStep(bufferedBytes: true, outputCongested: false)
        #expect(r12 == .stop) // yielded: wait
        let r13 = state.turnResumed()
        #expect(r13 == .resume)
        state.turnStarted(2)
        _ = try start(&state)
    }

    @Test func aSpentBudgetWithNothingBufferedDoesNotYield() throws {
        var state = makeState(perTurn: 1)
        state.turnStarted(1)
        _ = try start(&state)
        let r14 = state.nextStep(bufferedBytes: false, outputCongested: false)
        #expect(r14 == .stop)
        #expect(!state.holds.contains(.turn))
    }

    @Test func aConnectionsFirstRequest_asksTheKernelNothing() {
        var state = makeState()
        var asked = false
        let reading = state.checkPeer(bufferedBytes: true, unsentBytes: { asked = true; return 1_000_000 }())
        #expect(reading == nil)
        #expect(!asked, "no answer can be untaken before the first request")
    }

    @Test func aPeerLeavingAnswersUntakenIsHeldUntilItCatchesUp() throws {
        var state = makeState()
        _ = state.requestParsed(keepAlive: true) // an earlier request, whose answer may sit untaken
        let r15 = state.checkPeer(bufferedBytes: true, unsentBytes: 1001)
        #expect(r15 == .pause)
        let r16 = state.nextStep(bufferedBytes: true, outputCongested: false)
        #expect(r16 == .stop)
        let r17 = state.tick(unsentBytes: 501)
        #expect(r17 == .nothing) // not yet half the limit
        let r18 = state.tick(unsentBytes: 500)
        #expect(r18 == .process(resume: true))
        #expect(state.holds.isEmpty)
    }

    @Test func halfCloseAnswersWhatIsOwedThenCloses() throws {
        var state = makeState()
        state.turnStarted(1)
        let id = try start(&state)
        state.parserDrained()
        let r19 = state.peerInputEnded()
        #expect(r19)
        #expect(!state.shouldCloseAfterHalfClose) // one answer still owed
        state.answerReady(id, .text(200, "ok"))
        let r20 = state.nextAnswer()
        #expect(r20 != nil)
        #expect(state.shouldCloseAfterHalfClose)
    }

    @Test func halfCloseWithBytesNotYetParsedWaits() throws {
        var state = makeState()
        let r21 = state.peerInputEnded()
        #expect(r21)
        #expect(!state.shouldCloseAfterHalfClose) // the buffered bytes may hold a request
        state.parserDrained()
        #expect(state.shouldCloseAfterHalfClose)
    }

    @Test func connectionCloseStopsParsing() throws {
        var state = makeState()
        state.turnStarted(1)
        _ = try start(&state, keepAlive: false)
        #expect(state.parsing == .stopped)
        let r22 = state.nextStep(bufferedBytes: true, outputCongested: false)
        #expect(r22 == .stop)
        state.bytesArrived()
        #expect(state.parsing == .stopped) // more bytes do not reopen it
    }

    @Test func aRejectedRequestIsAnsweredAndStopsParsing() throws {
        var state = makeState()
        state.requestRejected(.text(400, "bad"))
        #expect(state.parsing == .stopped)
        let next = state.nextAnswer()
        #expect(next?.answer == .text(400, "bad"))
        #expect(next?.keepAlive == false)
    }

    @Test func anUpgradeWaitsBehindPendingAnswers() throws {
        var state = makeState()
        state.turnStarted(1)
        let id = try start(&state)
        let r23 = state.nextStep(bufferedBytes: true, outputCongested: false)
        #expect(r23 == .parse)
        state.upgradeParsed(upgradeRequest())
        let r24 = state.nextStep(bufferedBytes: true, outputCongested: false)
        #expect(r24 == .stop)
        let r25 = state.parseLoopEnded()
        #expect(r25 == .pause)
        let r26 = state.upgradeIfDue()
        #expect(r26 == nil) // an answer is owed before it
        let r27 = state.peerInputEnded()
        #expect(!r27) // an upgrade needs the input side
        state.answerReady(id, .text(200, "ok"))
        let r28 = state.nextAnswer()
        #expect(r28 != nil)
        guard case .begin(let request, let pause) = state.upgradeIfDue() else {
            Issue.record("the upgrade did not begin")
            return
        }
        #expect(request == upgradeRequest())
        #expect(!pause) // reading was already held
        let r29 = state.answersSent()
        #expect(r29 == nil) // still held while the upgrade is decided
        let r30 = state.upgradeDecided()
        #expect(r30 == .resume)
        #expect(state.holds.isEmpty)
    }

    @Test func anUpgradeParsedAfterHalfCloseCloses() throws {
        var state = makeState()
        let r31 = state.peerInputEnded()
        #expect(r31)
        state.upgradeParsed(upgradeRequest())
        guard case .close = state.upgradeIfDue() else {
            Issue.record("expected close")
            return
        }
    }

    @Test func anAnswerThatClosesForgetsTheRest() throws {
        var state = makeState()
        state.turnStarted(1)
        _ = try start(&state)
        let second = try start(&state)
        state.closing()
        state.answerReady(second, .text(200, "late")) // ignored: nothing is owed any more
        let r32 = state.nextAnswer()
        #expect(r32 == nil)
        #expect(!state.busy)
        #expect(state.parsing == .stopped)
    }
}
