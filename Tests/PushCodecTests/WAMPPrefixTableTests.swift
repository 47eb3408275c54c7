import Testing
@testable import PushCodec

@Suite struct WAMPPrefixTableTests {
    @Test func resolve_expandsRegisteredPrefix_fromDecodedPrefixMessage() throws {
        var table = PrefixTable()
        guard case .prefix(let prefix, let uri) = try WAMPCodec.decodeClientMessage(
            Array("[1,\"wa\",\"http://example.com/\"]".utf8)) else {
            Issue.record("not a PREFIX")
            return
        }
        let stored = table.set(prefix: prefix, uri: uri)
        #expect(stored)
        #expect(table.resolve("wa:topic") == "http://example.com/topic")
        #expect(table.resolve("wa:a:b") == "http://example.com/a:b", "only the first ':' splits")
        #expect(table.resolve("wa:") == "http://example.com/", "empty rest")
    }

    @Test func resolve_leavesOtherStringsUnchanged() {
        var table = PrefixTable()
        table.set(prefix: "wa", uri: "http://example.com/")
        #expect(table.resolve("xx:topic") == "xx:topic")
        #expect(table.resolve("http://x") == "http://x")
        #expect(table.resolve("WhatsApp") == "WhatsApp")
        #expect(table.resolve("") == "")
        #expect(table.resolve("wax:topic") == "wax:topic")
        #expect(PrefixTable().resolve("wa:topic") == "wa:topic")
    }

    @Test func set_replacesExistingPrefix() {
        var table = PrefixTable()
        table.set(prefix: "p", uri: "http://one/")
        table.set(prefix: "p", uri: "http://two/")
        #expect(table.count == 1)
        #expect(table.resolve("p:x") == "http://two/x")
    }

    @Test func set_refusesNewPrefixBeyondCapacity_butAllowsReplacing() {
        var table = PrefixTable()
        for i in 0..<PrefixTable.capacity {
            let stored = table.set(prefix: "p\(i)", uri: "http://\(i)/")
            #expect(stored)
        }
        let extraStored = table.set(prefix: "extra", uri: "http://extra/")
        #expect(!extraStored)
        #expect(table.resolve("extra:x") == "extra:x")
        let replaced = table.set(prefix: "p0", uri: "http://zero/")
        #expect(replaced)
        #expect(table.resolve("p0:x") == "http://zero/x")
        #expect(table.count == 64)
    }

    @Test func resolve_handlesNonASCII() {
        var table = PrefixTable()
        table.set(prefix: "é", uri: "http://ü/")
        #expect(table.resolve("é:😀") == "http://ü/😀")
    }
}

/// The per-session bounds: entries, prefix and URI length, expanded topic length.
@Suite struct WAMPPrefixTableLimitTests {
    @Test func register_refusesAPrefixOrURILongerThanTheLimit_storingNothing() {
        var table = PrefixTable()
        let limits = PrefixTable.Limits(maxPrefixes: 4, maxURIBytes: 16)
        #expect(table.register(prefix: "p", uri: String(repeating: "u", count: 17), limits: limits) == .tooLong(limit: 16))
        #expect(table.register(prefix: String(repeating: "p", count: 17), uri: "http://x/", limits: limits) == .tooLong(limit: 16))
        #expect(table.count == 0)
        #expect(table.register(prefix: "p", uri: String(repeating: "u", count: 16), limits: limits) == nil)
        #expect(table.register(prefix: "é", uri: String(repeating: "ü", count: 9), limits: limits) == .tooLong(limit: 16),
                "counted in UTF-8 bytes")
    }

    @Test func register_refusesPastMaxPrefixes_butReplacing() {
        var table = PrefixTable()
        let limits = PrefixTable.Limits(maxPrefixes: 2, maxURIBytes: 100)
        #expect(table.register(prefix: "a", uri: "http://a/", limits: limits) == nil)
        #expect(table.register(prefix: "b", uri: "http://b/", limits: limits) == nil)
        #expect(table.register(prefix: "c", uri: "http://c/", limits: limits) == .tooManyPrefixes(limit: 2))
        #expect(table.register(prefix: "a", uri: "http://a2/", limits: limits) == nil)
        #expect(table.resolve("a:x") == "http://a2/x")
    }

    @Test func resolveWithLimit_countsTheExpandedURI() {
        var table = PrefixTable()
        table.set(prefix: "p", uri: String(repeating: "u", count: 10))
        #expect(table.resolve("p:12345", limit: 15) == String(repeating: "u", count: 10) + "12345")
        #expect(table.resolve("p:123456", limit: 15) == nil, "16 bytes once expanded, 8 as spelled")
        #expect(table.resolve("plain-topic-16b.", limit: 15) == nil)
        #expect(table.resolve("plain-topic-15b", limit: 15) == "plain-topic-15b")
        #expect(table.resolve("q:unregistered", limit: 15) == "q:unregistered")
    }
}
