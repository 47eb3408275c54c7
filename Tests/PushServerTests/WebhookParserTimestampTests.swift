import PushCodec
@testable import PushServer
import Testing
@testable import WhatsAppModule

@Suite struct WebhookParserTimestampTests {
    private func seconds(_ value: JSONValue) -> Int64? { WebhookTimestamp.seconds(from: value) }

    @Test func numbers_areSeconds_fractionsTruncated() {
        #expect(seconds(1_735_812_000) == 1_735_812_000)
        #expect(seconds(.number(JSONNumber(literal: "1735812000.9")!)) == 1_735_812_000)
        #expect(seconds(.number(JSONNumber(literal: "1.7358120e9")!)) == 1_735_812_000)
        #expect(seconds(0) == 0)
        #expect(seconds(-5) == nil)
    }

    @Test func millisecondValues_areScaledDown() {
        #expect(seconds(.number(JSONNumber(Int64(1_735_812_000_123)))) == 1_735_812_000)
        #expect(seconds(.number(JSONNumber(Int64(99_999_999_999)))) == 99_999_999_999)
        #expect(seconds(.number(JSONNumber(Int64(100_000_000_000)))) == 100_000_000)
    }

    @Test func numericStrings_areSeconds() {
        #expect(seconds("1735812000") == 1_735_812_000)
        #expect(seconds(" 1735812000 ") == 1_735_812_000)
        #expect(seconds("1735812000.5") == 1_735_812_000)
        #expect(seconds("1735812000123") == 1_735_812_000)
        #expect(seconds("") == nil)
        #expect(seconds("12abc") == nil)
        #expect(seconds("1.2.3") == nil)
    }

    @Test func dateStrings_areUTCUnlessZoned() {
        #expect(seconds("2025-01-02T10:23:20Z") == 1_735_813_400)
        #expect(seconds("2025-01-02 10:23:20") == 1_735_813_400)
        #expect(seconds("2025-01-02T10:23:20.999Z") == 1_735_813_400)
        #expect(seconds("2025-01-02T11:23:20+01:00") == 1_735_813_400)
        #expect(seconds("2025-01-02T05:53:20-0430") == 1_735_813_400)
        #expect(seconds("2025-01-02T12:23:20+02") == 1_735_813_400)
        #expect(seconds("2025-01-02T10:23") == 1_735_813_380)
        #expect(seconds("2025-01-02") == 1_735_776_000)
        #expect(seconds("1970-01-01T00:00:00Z") == 0)
        #expect(seconds("2024-02-29T00:00:00Z") == 1_709_164_800)
        #expect(seconds("2000-03-01T00:00:00Z") == 951_868_800)
    }

    @Test func malformedDates_areRejected() {
        for text in ["2025-13-01", "2025-02-29", "2025-01-32", "2025-1-2", "2025-01-02T24:00:00Z", "2025-01-02T10:60",
                     "2025-01-02T10:23:20X", "2025-01-02T10:23:20+1", "2025-01-02T10:23:20.Z", "1969-12-31T23:59:59Z",
                     "yesterday", "2025-01-02T"] {
            #expect(seconds(.string(text)) == nil, "\(text)")
        }
    }

    @Test func otherKinds_areRejected() {
        #expect(seconds(true) == nil)
        #expect(seconds(.null) == nil)
        #expect(seconds([1]) == nil)
    }
}
