/// One value bound to or read from SQLite, in its five storage classes.
public enum SQLiteValue: Equatable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

extension SQLiteValue {
    public init(_ value: Int) { self = .integer(Int64(value)) }
    public init(_ value: Int64) { self = .integer(value) }
    /// `nil` becomes `NULL`.
    public init(_ value: Int64?) { self = value.map { .integer($0) } ?? .null }
    public init(_ value: String) { self = .text(value) }
    /// `nil` becomes `NULL`.
    public init(_ value: String?) { self = value.map { .text($0) } ?? .null }
    /// Stored as 0 / 1, SQLite having no boolean class.
    public init(_ value: Bool) { self = .integer(value ? 1 : 0) }
    public init(_ value: Double) { self = .real(value) }
    public init(_ bytes: [UInt8]) { self = .blob(bytes) }
}

extension SQLiteValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByNilLiteral
{
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .real(value) }
    public init(stringLiteral value: String) { self = .text(value) }
    public init(booleanLiteral value: Bool) { self.init(value) }
    public init(nilLiteral: ()) { self = .null }
}
