import Testing
@testable import PushStore

@Suite struct StatementTests {
    static let values: [SQLiteValue] = [
        .null,
        .integer(0), .integer(Int64.min), .integer(Int64.max),
        .real(3.25), .real(-1e300),
        .text(""), .text("plain"), .text("héllo 👋🏽 🇮🇹 — 中文"), .text("nul\u{0}inside"),
        .blob([]), .blob([0]), .blob([0, 0, 1, 0, 255, 0]),
    ]

    @Test(arguments: values)
    func bind_roundTripsEveryStorageClass(value: SQLiteValue) throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE r (v)")  // no affinity: values come back as bound
        try db.prepare("INSERT INTO r VALUES (?)").execute([value])
        let rows = try db.prepare("SELECT v, typeof(v) FROM r").query()
        #expect(rows.count == 1)
        #expect(rows.first?[0] == value)
        #expect(rows.first?[1] == .text(Self.expectedType(value)))
    }

    static func expectedType(_ value: SQLiteValue) -> String {
        switch value {
        case .null: "null"
        case .integer: "integer"
        case .real: "real"
        case .text: "text"
        case .blob: "blob"
        }
    }

    @Test func text_lengthIsBytesNotCharacters() throws {
        let db = try Database(path: ":memory:")
        #expect(try scalar(db, "SELECT length(CAST(? AS BLOB))", ["👋🏽"]) == .integer(8))
        #expect(try scalar(db, "SELECT hex(?)", [.blob([0, 0xab, 0])]) == .text("00AB00"))
    }

    @Test func literalsAndConvenienceInits_produceExpectedCases() {
        let fromLiterals: [SQLiteValue] = [nil, 7, 2.5, "s", true, false]
        #expect(fromLiterals == [.null, .integer(7), .real(2.5), .text("s"), .integer(1), .integer(0)])
        #expect(SQLiteValue(Int(-3)) == .integer(-3))
        #expect(SQLiteValue(Int64?.none) == .null)
        #expect(SQLiteValue(Int64?.some(9)) == .integer(9))
        #expect(SQLiteValue(String?.none) == .null)
        #expect(SQLiteValue(String?.some("x")) == .text("x"))
        #expect(SQLiteValue([UInt8]([1, 2])) == .blob([1, 2]))
    }

    @Test func rowGetters_readTypedValues() throws {
        let db = try Database(path: ":memory:")
        let row = try #require(try db.prepare("SELECT 42, 'txt', NULL, 1.5, 0, x'0001', 3").query().first)
        #expect(try row.int64(0) == 42)
        #expect(try row.int(0) == 42)
        #expect(try row.string(1) == "txt")
        #expect(try row.optionalString(1) == "txt")
        #expect(try row.optionalString(2) == nil)
        #expect(try row.optionalInt64(2) == nil)
        #expect(try row.optionalInt64(0) == 42)
        #expect(row.isNull(2))
        #expect(!row.isNull(0))
        #expect(try row.double(3) == 1.5)
        #expect(try row.double(6) == 3.0)
        #expect(try row.bool(4) == false)
        #expect(try row.bool(6) == true)
        #expect(try row.blob(5) == [0, 1])
    }

    @Test func rowGetters_throwMismatchInsteadOfGuessing() throws {
        let row = Row(values: [.null, .text("12")])
        let nullError = try #require(throws: SQLiteError.self) { try row.int64(0) }
        #expect(nullError.matches(.mismatch))
        #expect(nullError.message == "column 0 is NULL, expected integer")
        #expect(throws: SQLiteError.self) { try row.int64(1) }
        #expect(throws: SQLiteError.self) { try row.blob(1) }
        let rangeError = try #require(throws: SQLiteError.self) { try row.string(5) }
        #expect(rangeError.matches(.range))
    }

    @Test func bind_rejectsWrongParameterCount() throws {
        let db = try Database(path: ":memory:")
        let statement = try db.prepare("SELECT ?, ?")
        #expect(statement.parameterCount == 2)
        let error = try #require(throws: SQLiteError.self) { try statement.query([1]) }
        #expect(error.matches(.range))
        #expect(error.description == "SQLite error 25 (25): 1 values for 2 parameters - while executing \"SELECT ?, ?\"")
    }

    @Test func prepare_rejectsTrailingStatementsAndEmptyText() throws {
        let db = try Database(path: ":memory:")
        #expect(throws: SQLiteError.self) { try db.prepare("SELECT 1; DROP TABLE x") }
        #expect(throws: SQLiteError.self) { try db.prepare("  -- nothing ") }
        _ = try db.prepare("SELECT 1;  \n")  // trailing whitespace is fine
    }

    @Test func forEachRow_streamsRowsInOrder() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (3), (1), (2);")
        var seen: [Int64] = []
        try db.prepare("SELECT v FROM t WHERE v >= ? ORDER BY v").forEachRow([2]) { seen.append(try $0.int64(0)) }
        #expect(seen == [2, 3])
    }

    @Test func statement_canRunAgainAfterAFailedStep() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (v INTEGER NOT NULL)")
        let insert = try db.cachedStatement("INSERT INTO t VALUES (?)")
        let error = try #require(throws: SQLiteError.self) { try insert.execute([nil]) }
        #expect(error.matches(.constraintNotNull))
        try insert.execute([5])
        #expect(try scalar(db, "SELECT v FROM t") == .integer(5))
    }
}
