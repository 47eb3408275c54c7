import Foundation
@testable import PushBroker
@testable import PushServer
import Testing

/// A stand-in for `php command.php AuthTokenCheck :token`, run from its own folder (relative paths).
private func commandsMakeVerifier(timeout: Double = 5, cacheSeconds: Double = 60,
                                  clock: CommandsManualClock = CommandsManualClock(),
                                  directory: String? = nil) throws -> (ExternalTokenVerifier, CommandsTempDir) {
    let dir = try CommandsTempDir()
    try dir.writeScript("command.sh", """
        printf '%s\\n' "$2" >> runs.log
        case "$2" in
          tok-alice) echo alice ;;
          slow) sleep 0.3; printf '  bob\\n\\n' ;;
          fail) echo alice; exit 1 ;;
          hang) echo $$ > hang.pid; sleep 300 & echo $! > child.pid; wait ;;
        esac

        """)
    let verifier = ExternalTokenVerifier(commandTemplate: "sh command.sh AuthTokenCheck :token",
                                         workingDirectory: directory ?? dir.path, cacheSeconds: cacheSeconds,
                                         timeoutSeconds: timeout, runner: CommandRunner(), clock: clock.now)
    return (verifier, dir)
}

@Suite struct CommandsTokenVerifierTests {
    @Test func verify_knownToken_returnsOwnerAndAdmitsOnlyThem() async throws {
        let (verifier, dir) = try commandsMakeVerifier()
        defer { dir.remove() }
        let outcome = await verifier.commandsVerify("tok-alice")
        #expect(outcome == .user("alice"))
        #expect(outcome.admits(userId: "alice"))
        #expect(!outcome.admits(userId: "bob"))
        #expect(dir.lines("runs.log") == ["tok-alice"])
    }

    @Test func verify_unknownToken_isUnknown() async throws {
        let (verifier, dir) = try commandsMakeVerifier()
        defer { dir.remove() }
        let outcome = await verifier.commandsVerify("nobody-knows")
        #expect(outcome == .unknown)
        #expect(!outcome.admits(userId: ""))
    }

    @Test func verify_nonZeroExit_isUnknownEvenWithOutput() async throws {
        let (verifier, dir) = try commandsMakeVerifier()
        defer { dir.remove() }
        #expect(await verifier.commandsVerify("fail") == .unknown)
    }

    @Test func verify_stripsTheTokenBeforeSubstitution() async throws {
        let (verifier, dir) = try commandsMakeVerifier()
        defer { dir.remove() }
        #expect(await verifier.commandsVerify("tok-'$(alice)'\n") == .user("alice"))
        #expect(dir.lines("runs.log") == ["tok-alice"])
    }

    @Test func verify_emptyAfterStripping_runsNothing() async throws {
        let (verifier, dir) = try commandsMakeVerifier()
        defer { dir.remove() }
        #expect(await verifier.commandsVerify("'; $()") == .unknown)
        #expect(!dir.exists("runs.log"))
    }

    @Test func verify_negativeAnswer_isCached() async throws {
        let (verifier, dir) = try commandsMakeVerifier()
        defer { dir.remove() }
        for _ in 0..<20 { #expect(await verifier.commandsVerify("stranger") == .unknown) }
        #expect(dir.lines("runs.log") == ["stranger"])
    }

    @Test func verify_reconnectStorm_forksOnceUntilTheTTLPasses() async throws {
        let clock = CommandsManualClock()
        let (verifier, dir) = try commandsMakeVerifier(cacheSeconds: 60, clock: clock)
        defer { dir.remove() }
        let outcomes = await withTaskGroup(of: ExternalTokenVerifier.Outcome.self) { group in
            for _ in 0..<100 { group.addTask { await verifier.commandsVerify("slow") } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes == Array(repeating: .user("bob"), count: 100))
        #expect(dir.lines("runs.log") == ["slow"])
        clock.advance(59)
        #expect(await verifier.commandsVerify("slow") == .user("bob"))
        #expect(dir.lines("runs.log").count == 1)
        clock.advance(2)
        #expect(await verifier.commandsVerify("slow") == .user("bob"))
        #expect(dir.lines("runs.log") == ["slow", "slow"])
    }

    @Test func verify_timeout_failsKillsAndIsCachedOnlyBriefly() async throws {
        let clock = CommandsManualClock()
        let (verifier, dir) = try commandsMakeVerifier(timeout: 0.4, clock: clock)
        defer { dir.remove() }
        let (outcome, seconds) = await commandsElapsed { await verifier.commandsVerify("hang") }
        #expect(outcome == .failed("verify command timed out after 0.4 s"))
        #expect(seconds < 120) // killed well before the script (sleep 300) would finish
        for pid in (dir.lines("hang.pid") + dir.lines("child.pid")).compactMap({ Int32($0) }) {
            #expect(await commandsEventually { !commandsProcessIsAlive(pid) }, "pid \(pid) survived the timeout")
        }
        // Within a second the failure is reused; after it the command runs again.
        #expect(await verifier.commandsVerify("hang") == outcome)
        #expect(dir.lines("runs.log").count == 1)
        clock.advance(1.01)
        _ = await verifier.commandsVerify("hang")
        #expect(dir.lines("runs.log").count == 2)
    }

    @Test func verify_missingWorkingDirectory_failsWithoutTheToken() async throws {
        let (verifier, dir) = try commandsMakeVerifier(directory: "/nonexistent/espocrm")
        defer { dir.remove() }
        let outcome = await verifier.commandsVerify("tok-alice")
        #expect(outcome == .failed("verify command could not run: working directory does not exist: /nonexistent/espocrm"))
    }

    @Test func invalidate_forcesTheNextVerifyToRun() async throws {
        let (verifier, dir) = try commandsMakeVerifier()
        defer { dir.remove() }
        _ = await verifier.commandsVerify("tok-alice")
        verifier.invalidate(token: "tok-alice")
        #expect(await verifier.commandsVerify("tok-alice") == .user("alice"))
        #expect(dir.lines("runs.log") == ["tok-alice", "tok-alice"])
        #expect(verifier.commandRuns == 2)
    }
}
