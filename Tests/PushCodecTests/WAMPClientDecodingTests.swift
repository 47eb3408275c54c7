import Foundation
import Testing
@testable import PushCodec
import TestSupport

/// Loads `Fixtures/wamp/client-messages.json`: entries `{"name", "input", "expect"}` or `{"name", "input", "error"}`.
enum WAMPFixture {
    enum Expectation: Sendable, Equatable {
        case message(WAMPClientMessage)
        case error(String)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let input: String
        let expectation: Expectation
        var testDescription: String { name }
    }

    struct LoadError: Error, CustomStringConvertible {
        let description: String
    }

    static var directory: URL {
        Repository.url("Fixtures/wamp")
    }

    static func load(_ file: String) throws -> JSONValue {
        let data = try Data(contentsOf: directory.appendingPathComponent(file))
        return try JSONParser.parse([UInt8](data))
    }

    static func clientCases() throws -> [Case] {
        guard let entries = try load("client-messages.json").arrayValue else { throw LoadError(description: "not an array") }
        return try entries.map { entry in
            guard let name = entry["name"]?.stringValue, let input = entry["input"]?.stringValue else {
                throw LoadError(description: "entry without name/input: \(entry.jsonString)")
            }
            if let error = entry["error"]?.stringValue {
                return Case(name: name, input: input, expectation: .error(error))
            }
            guard let expect = entry["expect"], let message = clientMessage(expect) else {
                throw LoadError(description: "\(name): bad expect")
            }
            return Case(name: name, input: input, expectation: .message(message))
        }
    }

    /// Maps `{"subscribe": "t"}`, `{"publish": {...}}` etc. to the expected message.
    private static func clientMessage(_ expect: JSONValue) -> WAMPClientMessage? {
        if let p = expect["prefix"], let prefix = p[0]?.stringValue, let uri = p[1]?.stringValue {
            return .prefix(prefix: prefix, uri: uri)
        }
        if let c = expect["call"], let id = c["callId"]?.stringValue, let proc = c["procURI"]?.stringValue,
           let arguments = c["arguments"]?.arrayValue {
            return .call(callId: id, procURI: proc, arguments: arguments)
        }
        if let topic = expect["subscribe"]?.stringValue { return .subscribe(topic: topic) }
        if let topic = expect["unsubscribe"]?.stringValue { return .unsubscribe(topic: topic) }
        if let p = expect["publish"], let topic = p["topic"]?.stringValue, let event = p["event"] {
            let options: WAMPPublishOptions
            if let excludeMe = p["excludeMe"]?.boolValue {
                options = .excludeMe(excludeMe)
            } else if let exclude = p["exclude"]?.arrayValue {
                options = .lists(exclude: exclude.compactMap(\.stringValue),
                                 eligible: p["eligible"]?.arrayValue?.compactMap(\.stringValue))
            } else {
                options = .none
            }
            return .publish(topic: topic, event: event, options: options)
        }
        return nil
    }
}

@Suite struct WAMPClientDecodingTests {
    static let cases: [WAMPFixture.Case] = (try? WAMPFixture.clientCases()) ?? []

    @Test func fixture_loadsAndCoversEveryForm() throws {
        let cases = try WAMPFixture.clientCases()
        #expect(cases.count == 57)
        #expect(cases.filter { if case .message = $0.expectation { true } else { false } }.count == 15)
    }

    @Test(arguments: cases)
    func decoder_matchesFixture(_ c: WAMPFixture.Case) {
        switch c.expectation {
        case .message(let expected):
            #expect(throws: Never.self) { try WAMPCodec.decodeClientMessage(Array(c.input.utf8)) }
            #expect((try? WAMPCodec.decodeClientMessage(Array(c.input.utf8))) == expected)
        case .error(let reason):
            #expect(throws: WAMPError(reason)) { try WAMPCodec.decodeClientMessage(Array(c.input.utf8)) }
            #expect(reason.utf8.count <= WAMPError.maxMessageBytes)
        }
    }

    @Test func decoder_espoKeepAlive_isPublishToEmptyTopic() throws {
        let message = try WAMPCodec.decodeClientMessage(Array("[7,\"\",\"\"]".utf8))
        #expect(message == .publish(topic: "", event: .string(""), options: .none))
    }

    @Test func decoder_rejectsInvalidUTF8_asInvalidJSON() {
        let bytes: [UInt8] = Array("[5,\"".utf8) + [0xC0, 0xAF] + Array("\"]".utf8)
        #expect(throws: WAMPError("invalid JSON: invalid UTF-8 at byte 4")) { try WAMPCodec.decodeClientMessage(bytes) }
    }

    @Test func decoder_rejectsDeepNesting_asInvalidJSON() {
        let text = "[7,\"t\"," + String(repeating: "[", count: 70) + String(repeating: "]", count: 70) + "]"
        #expect(throws: WAMPError("invalid JSON: nesting deeper than 64 at byte 70")) {
            try WAMPCodec.decodeClientMessage(Array(text.utf8))
        }
    }

    @Test func decoder_acceptsRawBuffer() throws {
        let bytes = Array("[5,\"WhatsApp\"]".utf8)
        let message = try bytes.withUnsafeBytes { raw in try WAMPCodec.decodeClientMessage(raw) }
        #expect(message == .subscribe(topic: "WhatsApp"))
    }

    @Test func error_truncatesReasonTo120Bytes_onCharacterBoundary() {
        let long = WAMPError(String(repeating: "é", count: 100))
        #expect(long.message.utf8.count == 120)
        #expect(long.message == String(repeating: "é", count: 60))
        #expect(WAMPError(message: "x") == WAMPError("x"))
    }

    @Test(arguments: cases.compactMap { c -> WAMPClientMessage? in
        if case .message(let m) = c.expectation { m } else { nil }
    })
    func encoder_roundTripsEveryValidClientMessage(_ message: WAMPClientMessage) throws {
        #expect(try WAMPCodec.decodeClientMessage(WAMPCodec.encode(message)) == message)
    }
}
