import PushCodec

/// Turns the timestamp spellings seen in webhook bodies into unix seconds (UTC), without Foundation.
///
/// Accepted: a JSON number or a numeric string (seconds; a fraction is truncated), and a date
/// string `YYYY-MM-DD[T| ]HH:MM[:SS[.fff]][Z|±HH[:MM]]` (no zone = UTC, as the CRM's database
/// writes them) or a bare `YYYY-MM-DD`. Values of 10^11 and above are taken as milliseconds:
/// in seconds they would lie past the year 5000, in milliseconds they are 1973 or later.
package enum WebhookTimestamp {
    package static let millisecondThreshold: Int64 = 100_000_000_000

    package static func seconds(from value: JSONValue) -> Int64? {
        switch value {
        case .number(let number): fromNumber(number)
        case .string(let text): fromString(text)
        default: nil
        }
    }

    private static func fromNumber(_ number: JSONNumber) -> Int64? {
        if let whole = number.int64 { return normalized(whole) }
        guard let double = number.double, double >= 0, double < 9.0e15 else { return nil }
        return normalized(Int64(double.rounded(.towardZero)))
    }

    private static func normalized(_ value: Int64) -> Int64? {
        guard value >= 0 else { return nil }
        return value >= millisecondThreshold ? value / 1000 : value
    }

    package static func fromString(_ text: String) -> Int64? {
        let trimmed = text.trimmingSpaces()
        guard !trimmed.isEmpty else { return nil }
        if trimmed.utf8.allSatisfy({ isDigit($0) || $0 == UInt8(ascii: ".") }) {
            guard let number = JSONNumber(literal: String(trimmed)) else { return nil }
            return fromNumber(number)
        }
        var scanner = DateScanner(bytes: Array(trimmed.utf8))
        return scanner.parse()
    }

    package static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    package static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    package static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// A cursor over one date string; every malformed spelling yields nil.
private struct DateScanner {
    package let bytes: [UInt8]
    package var position = 0

    package mutating func parse() -> Int64? {
        guard let year = digits(4), take("-"), let month = digits(2), take("-"), let day = digits(2),
              (1...12).contains(month), (1...WebhookTimestamp.daysInMonth(year: year, month: month)).contains(day)
        else { return nil }
        var secondsOfDay: Int64 = 0
        var offset: Int64 = 0
        if position < bytes.count {
            guard take("T") || take("t") || take(" "), let hour = digits(2), take(":"), let minute = digits(2),
                  hour < 24, minute < 60 else { return nil }
            var second: Int64 = 0
            if take(":") {
                guard let s = digits(2), s <= 60 else { return nil }
                second = s
                if take(".") || take(",") {
                    // Sub-second digits are dropped: the store keeps whole seconds.
                    guard skipDigits() > 0 else { return nil }
                }
            }
            secondsOfDay = hour * 3600 + minute * 60 + second
            guard let zone = zoneOffset() else { return nil }
            offset = zone
        }
        guard position == bytes.count else { return nil }
        let days = WebhookTimestamp.daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + secondsOfDay - offset
        return seconds >= 0 ? seconds : nil
    }

    /// Seconds east of UTC; 0 for `Z` or no zone at all.
    private mutating func zoneOffset() -> Int64? {
        if position == bytes.count || take("Z") || take("z") { return 0 }
        let sign: Int64
        if take("+") { sign = 1 } else if take("-") { sign = -1 } else { return nil }
        guard let hours = digits(2), hours < 24 else { return nil }
        var minutes: Int64 = 0
        if position < bytes.count {
            _ = take(":")
            guard let m = digits(2), m < 60 else { return nil }
            minutes = m
        }
        return sign * (hours * 3600 + minutes * 60)
    }

    private mutating func take(_ character: Unicode.Scalar) -> Bool {
        guard position < bytes.count, bytes[position] == UInt8(ascii: character) else { return false }
        position += 1
        return true
    }

    private mutating func digits(_ count: Int) -> Int64? {
        guard bytes.count - position >= count else { return nil }
        var value: Int64 = 0
        for byte in bytes[position..<(position + count)] {
            guard WebhookTimestamp.isDigit(byte) else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        position += count
        return value
    }

    private mutating func skipDigits() -> Int {
        let start = position
        while position < bytes.count, WebhookTimestamp.isDigit(bytes[position]) { position += 1 }
        return position - start
    }
}
