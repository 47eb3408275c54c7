/// The few facts the load generator needs from an HTTP/1.1 response head.
public enum HTTPHeadScanner {
    /// Offset just past the blank line ending the head, nil while it has not arrived.
    public static func headEnd(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= 4 else { return nil }
        var i = 3
        while i < bytes.count {
            if bytes[i] == 10 {
                if bytes[i - 1] == 13, bytes[i - 2] == 10, bytes[i - 3] == 13 { return i + 1 }
                if bytes[i - 1] == 10 { return i + 1 }
            }
            i += 1
        }
        return nil
    }

    /// The status code of `HTTP/1.x NNN ...`.
    public static func status(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= 12, bytes[0] == UInt8(ascii: "H"), bytes[4] == UInt8(ascii: "/"), bytes[8] == UInt8(ascii: " ") else { return nil }
        var value = 0
        for i in 9..<12 {
            let d = Int(bytes[i]) - 48
            guard (0...9).contains(d) else { return nil }
            value = value * 10 + d
        }
        return value
    }

    /// The value of header `name` (case-insensitive) within the head `bytes[0..<headEnd]`.
    public static func header(_ name: String, in bytes: UnsafeRawBufferPointer, headEnd: Int) -> String? {
        let wanted = Array(name.lowercased().utf8)
        var lineStart = 0
        while lineStart < headEnd {
            var lineEnd = lineStart
            while lineEnd < headEnd && bytes[lineEnd] != 10 { lineEnd += 1 }
            if lineEnd - lineStart > wanted.count, bytes[lineStart + wanted.count] == UInt8(ascii: ":") {
                var match = true
                for j in 0..<wanted.count where lowercase(bytes[lineStart + j]) != wanted[j] { match = false; break }
                if match {
                    var v = lineStart + wanted.count + 1
                    var e = lineEnd
                    while v < e, bytes[v] == 32 || bytes[v] == 9 { v += 1 }
                    while e > v, bytes[e - 1] == 13 || bytes[e - 1] == 32 { e -= 1 }
                    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[v..<e]), as: UTF8.self)
                }
            }
            lineStart = lineEnd + 1
        }
        return nil
    }

    @inline(__always)
    static func lowercase(_ b: UInt8) -> UInt8 { (65...90).contains(b) ? b | 0x20 : b }
}
