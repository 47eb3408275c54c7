import PushCodec

/// The figures of one scenario run, in a fixed order: printed as a table or one JSON line.
public struct ScenarioReport: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case int(Int64)
        /// A measurement, printed with `digits` decimals.
        case number(Double, digits: Int)
        case text(String)
    }

    public let scenario: String
    public private(set) var fields: [(key: String, value: Value)] = []

    public init(scenario: String) { self.scenario = scenario }

    public mutating func add(_ key: String, _ value: Value) { fields.append((key, value)) }
    public mutating func add(_ key: String, _ value: Int) { add(key, .int(Int64(value))) }
    public mutating func add(_ key: String, _ value: Int64) { add(key, .int(value)) }
    public mutating func add(_ key: String, _ value: Double, digits: Int) { add(key, .number(value, digits: digits)) }
    public mutating func add(_ key: String, _ value: String) { add(key, .text(value)) }

    public subscript(key: String) -> Value? { fields.first { $0.key == key }?.value }

    /// The integer value of `key`, if it is one.
    public func int(_ key: String) -> Int64? {
        if case .int(let v)? = self[key] { return v }
        return nil
    }

    /// The numeric value of `key` as a Double.
    public func number(_ key: String) -> Double? {
        switch self[key] {
        case .int(let v)?: return Double(v)
        case .number(let v, _)?: return v
        default: return nil
        }
    }

    /// `{"scenario":"fanout",...}` on one line.
    public var jsonLine: String {
        var object = JSONObject()
        object.append(key: "scenario", value: .string(scenario))
        for (key, value) in fields {
            switch value {
            case .int(let v): object.append(key: key, value: .number(JSONNumber(v)))
            case .number(let v, let digits):
                object.append(key: key, value: JSONNumber(literal: Self.format(v, digits: digits)).map { .number($0) } ?? .null)
            case .text(let s): object.append(key: key, value: .string(s))
            }
        }
        return JSONValue.object(object).jsonString
    }

    /// Two aligned columns under the scenario name.
    public var table: String {
        let width = fields.map(\.key.count).max() ?? 0
        var out = "== \(scenario) ==\n"
        for (key, value) in fields {
            out += key + String(repeating: " ", count: width - key.count) + "  " + Self.text(value) + "\n"
        }
        return out
    }

    static func text(_ value: Value) -> String {
        switch value {
        case .int(let v): return String(v)
        case .number(let v, let digits): return format(v, digits: digits)
        case .text(let s): return s
        }
    }

    /// Fixed-point text without Foundation's locale (`12.345`), `0` for non-finite values.
    static func format(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e18 else { return String(Int64(value)) }
        let whole = Int64(scaled) / Int64(scale)
        let fraction = Int64(scaled) % Int64(scale)
        var text = (value < 0 && scaled > 0 ? "-" : "") + String(whole)
        if digits > 0 {
            let f = String(fraction)
            text += "." + String(repeating: "0", count: digits - f.count) + f
        }
        return text
    }
}

extension ScenarioReport {
    public static func == (lhs: ScenarioReport, rhs: ScenarioReport) -> Bool {
        lhs.scenario == rhs.scenario && lhs.fields.elementsEqual(rhs.fields) { $0.key == $1.key && $0.value == $1.value }
    }
}
