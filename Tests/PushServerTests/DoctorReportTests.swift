import PushServer
import PushTools
import Testing

/// The text and JSON reports of `doctor` (pure formatting).
@Suite struct DoctorReportTests {
    static let passedSteps = DoctorStep.Name.allCases.map { DoctorStep(name: $0.rawValue, ok: true, detail: "fine") }

    @Test func text_printsOneCheckedLinePerStep_whenAllPassed() {
        let expected = DoctorStep.Name.allCases.map { "✓ \($0.rawValue): fine\n" }.joined() + "all checks passed\n"
        #expect(DoctorReport.text(Self.passedSteps) == expected)
        #expect(DoctorReport.allPassed(Self.passedSteps))
    }

    @Test func text_printsHintIndentedAndLaterStepsSkipped_whenAStepFails() {
        let steps = [
            DoctorStep(name: "TCP connect", ok: true, detail: "127.0.0.1:8443 accepts connections"),
            DoctorStep(name: "TLS", ok: true, detail: "not used (ws://)"),
            DoctorStep(name: "HTTP upgrade", ok: false, detail: "502 Bad Gateway instead of 101 Switching Protocols",
                       hint: "forward the upgrade:\nlocation /wss {\n}"),
        ]
        #expect(DoctorReport.text(steps) == """
            ✓ TCP connect: 127.0.0.1:8443 accepts connections
            ✓ TLS: not used (ws://)
            ✗ HTTP upgrade: 502 Bad Gateway instead of 101 Switching Protocols
              → forward the upgrade:
                location /wss {
                }
            - subprotocol wamp: skipped
            - authentication: skipped
            - WELCOME: skipped
            - subscribe: skipped
            - publish: skipped
            - EVENT received: skipped
            doctor found a problem

            """)
        #expect(!DoctorReport.allPassed(steps))
    }

    @Test func text_showsSkippedStepInItsPlace_whenAuthenticationFailsBeforeTheUpgrade() {
        let steps = [
            DoctorStep(name: "TCP connect", ok: true, detail: "a"),
            DoctorStep(name: "TLS", ok: true, detail: "b"),
            DoctorStep(name: "HTTP upgrade", ok: true, detail: "c"),
            DoctorStep(name: "authentication", ok: false, detail: "401 Unauthorized", hint: "h"),
        ]
        let lines = DoctorReport.text(steps).split(separator: "\n").prefix(6)
        #expect(Array(lines) == ["✓ TCP connect: a", "✓ TLS: b", "✓ HTTP upgrade: c", "- subprotocol wamp: skipped",
                                 "✗ authentication: 401 Unauthorized", "  → h"])
    }

    @Test func allPassed_isFalse_whenStepsAreMissing() {
        #expect(!DoctorReport.allPassed(Array(Self.passedSteps.prefix(8))))
        #expect(!DoctorReport.allPassed([]))
    }

    @Test func json_isOneObjectWithOkAndEveryStep() {
        let steps = [
            DoctorStep(name: "TCP connect", ok: false, detail: "connect 127.0.0.1:9: Connection refused", hint: "nothing \"listens\""),
        ]
        let json = DoctorReport.json(steps)
        let skipped = DoctorStep.Name.allCases.dropFirst().map {
            #"{"name":"\#($0.rawValue)","ok":false,"skipped":true,"detail":"skipped","hint":null}"#
        }
        let first = #"{"name":"TCP connect","ok":false,"skipped":false,"detail":"connect 127.0.0.1:9: Connection refused","hint":"nothing \"listens\""}"#
        #expect(json == #"{"ok":false,"steps":["# + ([first] + skipped).joined(separator: ",") + "]}")
    }

    @Test func json_reportsOkTrue_whenAllPassed() {
        #expect(DoctorReport.json(Self.passedSteps).hasPrefix(#"{"ok":true,"steps":[{"name":"TCP connect","ok":true,"skipped":false,"detail":"fine","hint":null}"#))
    }

    @Test func derivedPublishURL_maps8443To8080_elseKeepsThePort() throws {
        #expect(DoctorOptions.derivedPublishURL(from: try .parse("wss://push.example.com:8443/wss")) == "http://push.example.com:8080")
        #expect(DoctorOptions.derivedPublishURL(from: try .parse("wss://push.example.com/wss")) == "https://push.example.com:443")
        #expect(DoctorOptions.derivedPublishURL(from: try .parse("ws://127.0.0.1:9000/wss")) == "http://127.0.0.1:9000")
        #expect(DoctorOptions.derivedPublishURL(from: try .parse("ws://[::1]:8443/wss")) == "http://[::1]:8080")
    }
}
