extension JSONValue {
    /// Appends the compact JSON text of this value.
    public func write(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: n.literal.utf8)
        case .string(let s): JSONString.write(s, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                element.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            for (i, member) in object.members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONString.write(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Compact JSON text as UTF-8 bytes.
    public var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        write(into: &out)
        return out
    }

    /// Compact JSON text.
    public var jsonString: String {
        String(decoding: jsonBytes, as: UTF8.self)
    }
}

/// Writes JSON string literals with minimal escaping: only `"`, `\` and control
/// characters; `/` and all non-ASCII UTF-8 pass through byte for byte.
public enum JSONString {
    /// Appends `s` as a quoted, escaped JSON string literal.
    public static func write(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = s
        text.withUTF8 { utf8 in
            var runStart = 0
            for i in 0..<utf8.count where needsEscape(utf8[i]) {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
                appendEscape(utf8[i], into: &out)
                runStart = i + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Exact byte count `write` produces for `s`, quotes included.
    public static func encodedCount(_ s: String) -> Int {
        var count = 2
        for b in s.utf8 { count += escapedLength(b) }
        return count
    }

    /// Writes `s` as a quoted, escaped literal at `destination`; returns the bytes written
    /// (always `encodedCount(s)`). The caller guarantees the space.
    public static func write(_ s: String, to destination: UnsafeMutableRawPointer) -> Int {
        var out = destination.assumingMemoryBound(to: UInt8.self)
        out.pointee = UInt8(ascii: "\""); out += 1
        for b in s.utf8 {
            if needsEscape(b) {
                emitEscape(b) { out.pointee = $0; out += 1 }
            } else {
                out.pointee = b; out += 1
            }
        }
        out.pointee = UInt8(ascii: "\""); out += 1
        return out - destination.assumingMemoryBound(to: UInt8.self)
    }

    @inline(__always)
    static func needsEscape(_ b: UInt8) -> Bool {
        b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\")
    }

    static func escapedLength(_ b: UInt8) -> Int {
        guard needsEscape(b) else { return 1 }
        switch b {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x08, 0x0C, 0x0A, 0x0D, 0x09: return 2
        default: return 6
        }
    }

    static func appendEscape(_ b: UInt8, into out: inout [UInt8]) {
        emitEscape(b) { out.append($0) }
    }

    /// Emits the escape sequence for a byte that `needsEscape`.
    @inline(__always)
    static func emitEscape(_ b: UInt8, _ emit: (UInt8) -> Void) {
        emit(UInt8(ascii: "\\"))
        switch b {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): emit(b)
        case 0x08: emit(UInt8(ascii: "b"))
        case 0x0C: emit(UInt8(ascii: "f"))
        case 0x0A: emit(UInt8(ascii: "n"))
        case 0x0D: emit(UInt8(ascii: "r"))
        case 0x09: emit(UInt8(ascii: "t"))
        default:
            // Lowercase hex, as JSON.stringify writes it.
            emit(UInt8(ascii: "u")); emit(UInt8(ascii: "0")); emit(UInt8(ascii: "0"))
            emit(hexDigit(b >> 4)); emit(hexDigit(b & 0xF))
        }
    }

    @inline(__always)
    static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
