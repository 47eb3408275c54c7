@testable import PushObservability
@testable import PushServer
import Testing

/// logfmt values: a value a reader could mistake for two fields, or one that moves the terminal
/// (CR, escape sequences), is quoted and escaped; plain values stay bare.
@Suite struct LogfmtQuoteTests {
    static let fixtures: [(raw: String, logged: String)] = [
        ("plain", "plain"),
        ("127.0.0.1:8443", "127.0.0.1:8443"),
        ("", #""""#),
        ("two words", #""two words""#),
        ("a=b", #""a=b""#),
        (#"say "hi""#, #""say \"hi\"""#),
        (#"back\slash"#, #""back\\slash""#),
        ("line\nbreak", #""line\nbreak""#),
        ("fake\r level=error msg=forged", #""fake\r level=error msg=forged""#),
        ("tab\there", #""tab\there""#),
        ("\u{1b}[31mred", #""\u001b[31mred""#),
        ("nul\u{0}byte", #""nul\u0000byte""#),
        ("del\u{7f}", #""del\u007f""#),
        ("bell\u{7}", #""bell\u0007""#),
        ("grüße", "grüße"),
    ]

    @Test(arguments: fixtures)
    func quote(raw: String, logged: String) {
        #expect(LogfmtLogHandler.quote(raw) == logged)
    }

    @Test func noQuotedValueContainsAControlCharacter() {
        for raw in ["\r", "\t", "\u{1b}", "\u{0}", "\u{7f}", "\u{1f}", "x\r\ny"] {
            let logged = LogfmtLogHandler.quote(raw)
            #expect(!logged.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }, "\(logged)")
            #expect(logged.hasPrefix("\"") && logged.hasSuffix("\""))
        }
    }
}
