@testable import PushBroker
@testable import PushServer
import Testing

@Suite struct CommandsShellEscapeTests {
    @Test func quote_wrapsPlainValueInSingleQuotes() {
        #expect(ShellEscape.quote("abc-123") == "'abc-123'")
        #expect(ShellEscape.quote("") == "''")
    }

    @Test func quote_writesEmbeddedSingleQuoteAsCloseEscapeReopen() {
        #expect(ShellEscape.quote("it's") == "'it'\\''s'")
        #expect(ShellEscape.quote("'") == "''\\'''")
    }

    @Test func quote_dropsNULBytes() {
        #expect(ShellEscape.quote("a\0b") == "'ab'")
    }

    @Test func quote_survivesTheShellLiterally() {
        let runner = CommandRunner()
        for value in ["'; touch /tmp/pwned; '", "$(id) `id` $HOME", "a\"b\\c", "line1\nline2", "*", "393202696323@c.us", "ünï"] {
            let result = runner.runSync(shellCommand: "printf %s " + ShellEscape.quote(value), workingDirectory: nil, timeout: 5)
            #expect(result == CommandResult(exitStatus: 0, stdout: value, stderr: "", timedOut: false))
        }
    }

    @Test func substitute_replacesOnlyNamesPresentInValues() {
        let line = ShellEscape.substitute("AppParams :userId :other", ["userId": "u1"])
        #expect(line == "AppParams 'u1' :other")
    }

    @Test func substitute_takesTheLongestName() {
        #expect(ShellEscape.substitute("x :userIdx :userId", ["userId": "a", "userIdx": "b"]) == "x 'b' 'a'")
        #expect(ShellEscape.substitute("x :userIdx :userId", ["userId": "a"]) == "x :userIdx 'a'")
    }

    @Test func substitute_doesNotRescanSubstitutedValues() {
        let line = ShellEscape.substitute(":userId :chatId", ["userId": ":chatId", "chatId": "c"])
        #expect(line == "':chatId' 'c'")
    }

    @Test func substitute_leavesColonsThatStartNoName() {
        #expect(ShellEscape.substitute("http://h:80 a: :1 :", ["h": "x"]) == "http://h:80 a: :1 :")
        #expect(ShellEscape.substitute("t=:token;", ["token": "abc"]) == "t='abc';")
    }
}
