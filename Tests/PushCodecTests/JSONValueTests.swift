import Testing
@testable import PushCodec

@Suite struct JSONValueTests {
    @Test func number_int64_isExactForIntegerLiterals() throws {
        #expect(JSONNumber(literal: "9223372036854775807")?.int64 == Int64.max)
        #expect(JSONNumber(literal: "-9223372036854775808")?.int64 == Int64.min)
        #expect(JSONNumber(literal: "9223372036854775808")?.int64 == nil)
        #expect(JSONNumber(literal: "-9223372036854775809")?.int64 == nil)
        #expect(JSONNumber(literal: "9007199254740993")?.int64 == 9_007_199_254_740_993)
        #expect(JSONNumber(literal: "-0")?.int64 == 0)
    }

    @Test func number_int64_acceptsIntegralFractionAndExponentForms() {
        #expect(JSONNumber(literal: "1.0")?.int64 == 1)
        #expect(JSONNumber(literal: "1e3")?.int64 == 1000)
        #expect(JSONNumber(literal: "-2.50e1")?.int64 == -25)
        #expect(JSONNumber(literal: "1.5")?.int64 == nil)
        #expect(JSONNumber(literal: "1e300")?.int64 == nil)
    }

    @Test func number_double_nilOnOverflow() {
        #expect(JSONNumber(literal: "0.1")?.double == 0.1)
        #expect(JSONNumber(literal: "-1E-2")?.double == -0.01)
        #expect(JSONNumber(literal: "1e400")?.double == nil)
        #expect(JSONNumber(literal: "1e-400")?.double == 0)
    }

    @Test func number_literalInit_validatesGrammar() {
        #expect(JSONNumber(literal: "1e3")?.literal == "1e3")
        #expect(JSONNumber(literal: "01") == nil)
        #expect(JSONNumber(literal: " 1") == nil)
        #expect(JSONNumber(literal: "1 ") == nil)
        #expect(JSONNumber(literal: "\"1\"") == nil)
        #expect(JSONNumber(literal: "NaN") == nil)
        #expect(JSONNumber(literal: "") == nil)
    }

    @Test func number_equalityComparesLiteral() {
        #expect(JSONNumber(literal: "1.0") != JSONNumber(literal: "1"))
        #expect(JSONNumber(1) == JSONNumber(literal: "1"))
        #expect(JSONNumber(Int64(-7)).literal == "-7")
        #expect(JSONNumber(2.0)?.literal == "2.0")
        #expect(JSONNumber(Double.nan) == nil)
    }

    @Test func object_setting_replacesInPlaceOrAppends() {
        let object: JSONObject = ["a": 1, "b": 2]
        #expect(object.setting("a", 9).members.map(\.key) == ["a", "b"])
        #expect(object.setting("a", 9)["a"] == 9)
        #expect(JSONValue.object(object.setting("c", 3)).jsonString == "{\"a\":1,\"b\":2,\"c\":3}")
        #expect(object["a"] == 1, "value semantics: original unchanged")
    }

    @Test func object_setting_collapsesDuplicatesAtFirstPosition() throws {
        let parsed = try #require(try JSONParser.parse("{\"a\":1,\"b\":2,\"a\":3}").objectValue)
        #expect(JSONValue.object(parsed.setting("a", 7)).jsonString == "{\"a\":7,\"b\":2}")
    }

    @Test func object_removing_dropsEveryDuplicate() throws {
        let parsed = try #require(try JSONParser.parse("{\"a\":1,\"b\":2,\"a\":3}").objectValue)
        #expect(JSONValue.object(parsed.removing("a")).jsonString == "{\"b\":2}")
        #expect(parsed.removing("zz") == parsed)
    }

    @Test func object_subscriptSetter_nilRemoves() {
        var object: JSONObject = ["a": 1]
        object["b"] = "x"
        object["a"] = nil
        #expect(JSONValue.object(object).jsonString == "{\"b\":\"x\"}")
        #expect(object.contains("b"))
        #expect(!object.contains("a"))
    }

    @Test func object_equalityIsOrderSensitive() {
        let ab: JSONObject = ["a": 1, "b": 2]
        let ba: JSONObject = ["b": 2, "a": 1]
        #expect(ab != ba)
        #expect(ab == ["a": 1, "b": 2])
    }

    @Test func accessors_returnNilForOtherKinds() {
        let value: JSONValue = ["s": "x", "b": true, "n": 5, "d": 2.5, "a": [1], "o": [:], "z": .null]
        #expect(value["s"]?.stringValue == "x")
        #expect(value["b"]?.boolValue == true)
        #expect(value["n"]?.int64Value == 5)
        #expect(value["d"]?.doubleValue == 2.5)
        #expect(value["a"]?.arrayValue == [1])
        #expect(value["o"]?.objectValue == JSONObject())
        #expect(value["z"]?.isNull == true)
        #expect(value["missing"] == nil)
        #expect(value["n"]?.stringValue == nil)
        #expect(value["s"]?.int64Value == nil)
        #expect(value["n"]?.boolValue == nil)
        #expect(value["a"]?[0] == 1)
        #expect(value["a"]?[1] == nil)
        #expect(JSONValue.string("x")["k"] == nil)
    }
}
