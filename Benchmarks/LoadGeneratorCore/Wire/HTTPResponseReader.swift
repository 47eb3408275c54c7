/// Splits a keep-alive connection's byte stream into responses (Content-Length or chunked).
///
/// Responses to publishes are small, so this buffers and copies; it is not on the delivery path.
public struct HTTPResponseReader: Sendable {
    public struct Response: Equatable, Sendable {
        public let status: Int
        public let body: [UInt8]
        /// The server asked to close the connection after this response.
        public let closes: Bool
    }

    private var buffer: [UInt8] = []

    public init() {}

    /// Appends `chunk`; returns every response it completed.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer) throws(BenchError) -> [Response] {
        buffer.append(contentsOf: chunk)
        var out: [Response] = []
        while let (response, used) = try Self.parseOne(buffer) {
            out.append(response)
            buffer.removeFirst(used)
        }
        return out
    }

    static func parseOne(_ bytes: [UInt8]) throws(BenchError) -> (Response, Int)? {
        let outcome = bytes.withUnsafeBytes { raw in Result { () throws(BenchError) in try parseOne(raw) } }
        return try outcome.get()
    }

    static func parseOne(_ raw: UnsafeRawBufferPointer) throws(BenchError) -> (Response, Int)? {
        guard let headEnd = HTTPHeadScanner.headEnd(raw) else {
            if raw.count > 65_536 { throw BenchError("HTTP response head over 64 KiB") }
            return nil
        }
        guard let status = HTTPHeadScanner.status(raw) else { throw BenchError("malformed HTTP status line") }
        let closes = HTTPHeadScanner.header("connection", in: raw, headEnd: headEnd)?.lowercased() == "close"
        if let lengthText = HTTPHeadScanner.header("content-length", in: raw, headEnd: headEnd) {
            guard let length = Int(lengthText), length >= 0 else { throw BenchError("bad Content-Length '\(lengthText)'") }
            guard raw.count - headEnd >= length else { return nil }
            return (Response(status: status, body: Array(raw[headEnd..<headEnd + length]), closes: closes), headEnd + length)
        }
        if HTTPHeadScanner.header("transfer-encoding", in: raw, headEnd: headEnd)?.lowercased().contains("chunked") == true {
            return try dechunk(raw, from: headEnd).map { body, end in (Response(status: status, body: body, closes: closes), end) }
        }
        // No body framing: only bodiless statuses are expected here.
        return (Response(status: status, body: [], closes: closes), headEnd)
    }

    /// Decodes a chunked body starting at `start`; nil until the last chunk and trailers arrived.
    static func dechunk(_ raw: UnsafeRawBufferPointer, from start: Int) throws(BenchError) -> ([UInt8], Int)? {
        var body: [UInt8] = []
        var i = start
        while true {
            var lineEnd = i
            while lineEnd + 1 < raw.count && !(raw[lineEnd] == 13 && raw[lineEnd + 1] == 10) { lineEnd += 1 }
            guard lineEnd + 1 < raw.count else { return nil }
            var size = 0
            var j = i
            while j < lineEnd, let digit = hexValue(raw[j]) { size = size * 16 + digit; j += 1 }
            guard j > i, size <= 1 << 26 else { throw BenchError("bad chunk size") }
            let dataStart = lineEnd + 2
            if size == 0 {
                // Skip trailers up to the empty line.
                var k = dataStart
                while true {
                    var e = k
                    while e + 1 < raw.count && !(raw[e] == 13 && raw[e + 1] == 10) { e += 1 }
                    guard e + 1 < raw.count else { return nil }
                    if e == k { return (body, e + 2) }
                    k = e + 2
                }
            }
            guard raw.count >= dataStart + size + 2 else { return nil }
            body.append(contentsOf: raw[dataStart..<dataStart + size])
            i = dataStart + size + 2
        }
    }

    static func hexValue(_ b: UInt8) -> Int? {
        switch b {
        case 48...57: return Int(b - 48)
        case 65...70: return Int(b - 55)
        case 97...102: return Int(b - 87)
        default: return nil
        }
    }
}
