import PushCodec

/// Drives an `HTTPParser` the ways a socket could: all at once, byte by byte, split anywhere.
enum HTTPParserHarness {
    /// Appends `bytes` in one go and drains every complete request.
    static func parseAll(_ bytes: [UInt8], limits: HTTPLimits = HTTPLimits()) throws(HTTPError) -> [HTTPRequest] {
        var parser = HTTPParser(limits: limits)
        parser.append(bytes)
        return try drain(&parser)
    }

    /// Feeds one byte at a time, draining after each.
    static func parseByteByByte(_ bytes: [UInt8], limits: HTTPLimits = HTTPLimits()) throws(HTTPError) -> [HTTPRequest] {
        var parser = HTTPParser(limits: limits)
        var out: [HTTPRequest] = []
        for byte in bytes {
            parser.append([byte])
            out += try drain(&parser)
        }
        return out
    }

    /// Feeds `bytes[..<split]` then `bytes[split...]`, draining after each (through the raw-pointer append).
    static func parseSplit(_ bytes: [UInt8], at split: Int, limits: HTTPLimits = HTTPLimits()) throws(HTTPError) -> [HTTPRequest] {
        var parser = HTTPParser(limits: limits)
        var out: [HTTPRequest] = []
        for piece in [Array(bytes[..<split]), Array(bytes[split...])] {
            piece.withUnsafeBytes { parser.append($0) }
            out += try drain(&parser)
        }
        return out
    }

    static func drain(_ parser: inout HTTPParser) throws(HTTPError) -> [HTTPRequest] {
        var out: [HTTPRequest] = []
        while let request = try parser.next() { out.append(request) }
        return out
    }

    /// The error parsing `bytes` throws, or nil when it parses.
    static func error(_ bytes: [UInt8], limits: HTTPLimits = HTTPLimits(), byteByByte: Bool = false) -> HTTPError? {
        do {
            _ = byteByByte ? try parseByteByByte(bytes, limits: limits) : try parseAll(bytes, limits: limits)
            return nil
        } catch {
            return error
        }
    }
}

extension String {
    /// The UTF-8 bytes of a test literal (`\r\n` in a Swift literal is a real CRLF).
    var httpWire: [UInt8] { Array(utf8) }
}
