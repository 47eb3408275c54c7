import Testing
@testable import PushCodec

/// `HTTPRequestHead.queryValue`: one pass over the query bytes, form-decoding only the value
/// asked for (and a name only when it is itself encoded).
@Suite struct HTTPQueryTests {
    private func head(_ target: String) -> HTTPRequestHead {
        HTTPRequestHead(method: "GET", target: target, version: .http1_1, headers: HTTPHeaders([]))
    }

    @Test func value_plainEncodedMissingAndEmpty() {
        let h = head("/wss?authToken=abc-123&userId=a%2Fb+c&empty=&flag&last=z")
        #expect(h.queryValue("authToken") == "abc-123")
        #expect(h.queryValue("userId") == "a/b c")
        #expect(h.queryValue("empty") == "")
        #expect(h.queryValue("flag") == "")
        #expect(h.queryValue("last") == "z")
        #expect(h.queryValue("missing") == nil)
        #expect(h.queryValue("auth") == nil)       // a prefix of a name is not the name
        #expect(head("/wss").queryValue("userId") == nil)
        #expect(head("/wss?").queryValue("userId") == nil)
    }

    @Test func value_firstOccurrenceWins_andEncodedNamesMatch() {
        #expect(head("/?a=1&a=2").queryValue("a") == "1")
        #expect(head("/?user%49d=7").queryValue("userId") == "7")
        #expect(head("/?&&a=1&&").queryValue("a") == "1")
    }

    @Test func value_malformedPercentIsKeptLiterally() {
        #expect(head("/?a=%&b=%4&c=%zz&d=100%25").queryValue("a") == "%")
        #expect(head("/?a=%&b=%4&c=%zz&d=100%25").queryValue("b") == "%4")
        #expect(head("/?a=%&b=%4&c=%zz&d=100%25").queryValue("c") == "%zz")
        #expect(head("/?a=%&b=%4&c=%zz&d=100%25").queryValue("d") == "100%")
    }
}
