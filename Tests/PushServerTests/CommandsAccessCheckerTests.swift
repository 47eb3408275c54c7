import Foundation
@testable import PushBroker
@testable import PushServer
import Testing

/// A stand-in for `php command.php <accessCheckCommand>`: `sh command.sh Check :userId :chatId`.
private func commandsMakeChecker(timeout: Double = 5) throws -> (AccessChecker, CommandsTempDir) {
    let dir = try CommandsTempDir()
    try dir.writeScript("command.sh", """
        printf '%s|%s|%s\\n' "$1" "$2" "$3" >> runs.log
        case "$2" in
          allowed) echo true ;;
          denied) echo false ;;
          failing) echo true; exit 2 ;;
          chatty) echo true; echo extra ;;
          padded) printf '  true \\n\\n' ;;
          slow) sleep 300 ;;
        esac

        """)
    // A clock that stands still: cache lifetimes never run out because the machine is slow.
    let checker = AccessChecker(commandPrefix: "sh command.sh", workingDirectory: dir.path, timeoutSeconds: timeout,
                                runner: CommandRunner(), clock: CommandsManualClock().now)
    return (checker, dir)
}

@Suite struct CommandsAccessCheckerTests {
    private let template = "Check :userId :chatId"

    @Test func check_trueOutputAndExitZero_admits() async throws {
        let (checker, dir) = try commandsMakeChecker()
        defer { dir.remove() }
        #expect(await checker.commandsCheck(template, userId: "allowed", params: ["chatId": "393202696323@c.us"]))
        #expect(dir.lines("runs.log") == ["Check|allowed|393202696323@c.us"])
    }

    @Test func check_surroundingWhitespace_isTrimmed() async throws {
        let (checker, dir) = try commandsMakeChecker()
        defer { dir.remove() }
        #expect(await checker.commandsCheck(template, userId: "padded", params: ["chatId": "c"]))
    }

    @Test func check_falseOutput_refuses() async throws {
        let (checker, dir) = try commandsMakeChecker()
        defer { dir.remove() }
        #expect(await checker.commandsCheck(template, userId: "denied", params: ["chatId": "c"]) == false)
    }

    @Test func check_nonZeroExit_refusesEvenWhenItPrintsTrue() async throws {
        let (checker, dir) = try commandsMakeChecker()
        defer { dir.remove() }
        #expect(await checker.commandsCheck(template, userId: "failing", params: ["chatId": "c"]) == false)
    }

    @Test func check_trueWithExtraOutput_refuses() async throws {
        let (checker, dir) = try commandsMakeChecker()
        defer { dir.remove() }
        #expect(await checker.commandsCheck(template, userId: "chatty", params: ["chatId": "c"]) == false)
    }

    @Test func check_timeout_refuses() async throws {
        let (checker, dir) = try commandsMakeChecker(timeout: 0.3)
        defer { dir.remove() }
        let (admitted, seconds) = await commandsElapsed {
            await checker.commandsCheck(template, userId: "slow", params: ["chatId": "c"])
        }
        #expect(admitted == false)
        #expect(seconds < 120) // killed well before the script (sleep 300) would finish
    }

    @Test func check_injectionAttempt_isPassedLiterally() async throws {
        let (checker, dir) = try commandsMakeChecker()
        defer { dir.remove() }
        let hostile = "'; touch \(dir.path)/pwned; '"
        #expect(await checker.commandsCheck(template, userId: "allowed", params: ["chatId": hostile]))
        #expect(!dir.exists("pwned"))
        #expect(dir.lines("runs.log") == ["Check|allowed|" + hostile])
    }

    @Test func check_sameCommandLine_isCachedAndDifferentParamsAreNot() async throws {
        let (checker, dir) = try commandsMakeChecker()
        defer { dir.remove() }
        for _ in 0..<5 { #expect(await checker.commandsCheck(template, userId: "allowed", params: ["chatId": "a"])) }
        #expect(await checker.commandsCheck(template, userId: "allowed", params: ["chatId": "b"]))
        #expect(dir.lines("runs.log") == ["Check|allowed|a", "Check|allowed|b"])
        #expect(checker.commandRuns == 2)
    }

    @Test func commandLine_prefixesAndQuotesAndLetsUserIdWin() throws {
        let checker = AccessChecker(commandPrefix: "php command.php", workingDirectory: nil, timeoutSeconds: 1,
                                    runner: CommandRunner())
        let line = checker.commandLine(template: "AppParams :userId :chatId", userId: "u'1",
                                       params: ["userId": "spoofed", "chatId": "x y"])
        #expect(line == "php command.php AppParams 'u'\\''1' 'x y'")
        let bare = AccessChecker(commandPrefix: nil, workingDirectory: nil, timeoutSeconds: 1, runner: CommandRunner())
        #expect(bare.commandLine(template: "check :userId", userId: "u", params: [:]) == "check 'u'")
    }
}
