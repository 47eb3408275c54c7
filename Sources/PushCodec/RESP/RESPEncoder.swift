/// Writes RESP2: commands (an array of bulk strings, the only form Redis reads from a client) and
/// any `RESPValue` (for test servers and round-trip checks).
///
/// Sizes are computed first, so a command is written straight into its final buffer — one
/// `SharedBytes` that the transport queues as it is — with no intermediate copy.
public enum RESPEncoder {
    // MARK: Commands

    /// Bytes `writeCommand` writes for `arguments`.
    public static func commandSize(_ arguments: [RESPArgument]) -> Int {
        var size = 1 + decimalCount(Int64(arguments.count)) + 2
        for argument in arguments {
            let length = byteCount(argument)
            size += 1 + decimalCount(Int64(length)) + 2 + length + 2
        }
        return size
    }

    /// Writes `arguments` as one command into the start of `out`, which must hold
    /// `commandSize(arguments)` bytes; returns the bytes written.
    @discardableResult
    public static func writeCommand(_ arguments: [RESPArgument], into out: UnsafeMutableRawBufferPointer) -> Int {
        precondition(out.count >= commandSize(arguments), "RESP command buffer too small")
        var writer = Writer(out)
        writer.header(UInt8(ascii: "*"), Int64(arguments.count))
        for argument in arguments {
            writer.header(UInt8(ascii: "$"), Int64(byteCount(argument)))
            switch argument {
            case .string(let text): writer.text(text)
            case .bytes(let bytes): writer.bytes(bytes)
            case .integer(let value): writer.decimal(value)
            }
            writer.crlf()
        }
        return writer.offset
    }

    /// One command in one exactly-sized block, ready for `Connection.send`.
    public static func command(_ arguments: [RESPArgument]) -> SharedBytes {
        SharedBytes(count: commandSize(arguments)) { writeCommand(arguments, into: $0) }
    }

    // MARK: Values

    /// Bytes `write` writes for `value`.
    public static func size(of value: RESPValue) -> Int {
        switch value {
        case .simpleString(let text), .error(let text): return 1 + text.utf8.count + 2
        case .integer(let number): return 1 + decimalCount(number) + 2
        case .bulkString(nil), .array(nil): return 5
        case .bulkString(let bytes?): return 1 + decimalCount(Int64(bytes.count)) + 2 + bytes.count + 2
        case .array(let elements?):
            return elements.reduce(1 + decimalCount(Int64(elements.count)) + 2) { $0 + size(of: $1) }
        }
    }

    /// Writes `value` into the start of `out`, which must hold `size(of: value)` bytes.
    /// CR and LF cannot appear in a simple string or an error; they are written as spaces
    /// (a decoded value never holds them).
    @discardableResult
    public static func write(_ value: RESPValue, into out: UnsafeMutableRawBufferPointer) -> Int {
        precondition(out.count >= size(of: value), "RESP value buffer too small")
        var writer = Writer(out)
        writer.value(value)
        return writer.offset
    }

    /// `value` as a new array of bytes.
    public static func encode(_ value: RESPValue) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: size(of: value)) { buffer, count in
            count = write(value, into: UnsafeMutableRawBufferPointer(buffer))
        }
    }

    // MARK: Private

    private static func byteCount(_ argument: RESPArgument) -> Int {
        switch argument {
        case .string(let text): text.utf8.count
        case .bytes(let bytes): bytes.count
        case .integer(let value): decimalCount(value)
        }
    }

    /// Characters of `value` in decimal, sign included.
    static func decimalCount(_ value: Int64) -> Int {
        var count = value < 0 ? 2 : 1
        var rest = value.magnitude / 10
        while rest > 0 {
            count += 1
            rest /= 10
        }
        return count
    }

    /// A cursor over a buffer already known to be large enough.
    private struct Writer {
        let base: UnsafeMutableRawPointer
        var offset = 0

        init(_ out: UnsafeMutableRawBufferPointer) { base = out.baseAddress ?? UnsafeMutableRawPointer(bitPattern: 16)! }

        mutating func byte(_ value: UInt8) {
            base.storeBytes(of: value, toByteOffset: offset, as: UInt8.self)
            offset += 1
        }

        mutating func crlf() {
            byte(UInt8(ascii: "\r"))
            byte(UInt8(ascii: "\n"))
        }

        mutating func header(_ type: UInt8, _ count: Int64) {
            byte(type)
            decimal(count)
            crlf()
        }

        mutating func decimal(_ value: Int64) {
            let count = RESPEncoder.decimalCount(value)
            if value < 0 { base.storeBytes(of: UInt8(ascii: "-"), toByteOffset: offset, as: UInt8.self) }
            var rest = value.magnitude
            var position = offset + count - 1
            repeat {
                base.storeBytes(of: UInt8(ascii: "0") + UInt8(rest % 10), toByteOffset: position, as: UInt8.self)
                rest /= 10
                position -= 1
            } while rest > 0
            offset += count
        }

        mutating func bytes(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { raw in
                if let source = raw.baseAddress, raw.count > 0 { (base + offset).copyMemory(from: source, byteCount: raw.count) }
            }
            offset += bytes.count
        }

        mutating func text(_ text: String) {
            var text = text
            text.withUTF8 { utf8 in
                if let source = utf8.baseAddress, utf8.count > 0 { (base + offset).copyMemory(from: source, byteCount: utf8.count) }
                offset += utf8.count
            }
        }

        /// A simple string or error line: CR and LF would end it early, so they become spaces.
        mutating func line(_ type: UInt8, _ text: String) {
            byte(type)
            for unit in text.utf8 { byte(unit == 13 || unit == 10 ? UInt8(ascii: " ") : unit) }
            crlf()
        }

        mutating func value(_ value: RESPValue) {
            switch value {
            case .simpleString(let text): line(UInt8(ascii: "+"), text)
            case .error(let text): line(UInt8(ascii: "-"), text)
            case .integer(let number): header(UInt8(ascii: ":"), number)
            case .bulkString(nil): header(UInt8(ascii: "$"), -1)
            case .array(nil): header(UInt8(ascii: "*"), -1)
            case .bulkString(let bytes?):
                header(UInt8(ascii: "$"), Int64(bytes.count))
                self.bytes(bytes)
                crlf()
            case .array(let elements?):
                header(UInt8(ascii: "*"), Int64(elements.count))
                for element in elements { self.value(element) }
            }
        }
    }
}
