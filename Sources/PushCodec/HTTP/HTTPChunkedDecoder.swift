/// Decodes one chunked body (RFC 9112 §7.1) out of a parser's input: chunk-size lines, chunk data,
/// the CRLF after each chunk, then the trailer section (validated, then dropped).
///
/// Shared by the request parser and the response parser; each owns the input and says, through
/// `Rules`, its limits and how a failure reads to its peer (`400`/`413`/`431` for a request,
/// `502 bad_response` for a response). Pure value, no I/O; owned by the parser that holds it.
struct HTTPChunkedDecoder: Sendable {
    /// What went wrong, in the decoder's terms; `Rules.error` turns it into the owner's `HTTPError`.
    enum Failure: Sendable {
        case sizeLineTooLong(limit: Int)
        case bareCR
        case tooManySizeDigits(limit: Int)
        case noSize
        case junkAfterSize
        case bodyTooLarge(limit: Int)
        case missingDataCRLF
        case tooManyTrailers(limit: Int)
        case trailersTooLarge(limit: Int)
    }

    /// The owner's limits and wording.
    struct Rules: Sendable {
        /// Largest decoded body.
        var maxBodyBytes: Int
        /// Most hex digits in a chunk size (at most 16: a 64-bit size).
        var maxSizeDigits: Int
        /// Longest chunk-size line (size plus ignored extensions) buffered.
        var maxSizeLineBytes = 4096
        /// Longest trailer section, and most trailer fields in it.
        var maxTrailerBytes: Int
        var maxTrailerCount: Int
        /// Turns a failure into the owner's error.
        var error: @Sendable (Failure) -> HTTPError
        /// Validates one trailer field line like a header line of the owner's message.
        var checkTrailerLine: @Sendable (ArraySlice<UInt8>) throws(HTTPError) -> Void
    }

    private enum Stage: Sendable {
        case sizeLine
        case data(remaining: Int)
        case dataEnd
        case trailers
    }

    let rules: Rules
    private var stage = Stage.sizeLine
    /// Bytes of the current chunk-size line already searched for its LF.
    private var sizeLineScanned = 0
    private var trailerScanner = HTTPLineBlockScanner()
    private var body: [UInt8] = []

    init(rules: Rules) {
        self.rules = rules
    }

    /// Forgets any body in progress; the next `decode` starts at a chunk-size line.
    mutating func reset() {
        stage = .sizeLine
        sizeLineScanned = 0
        trailerScanner = HTTPLineBlockScanner()
        body = []
    }

    /// Consumes what it can of `input`'s unread bytes. Returns the whole body
    /// once the trailer section is complete (and resets), nil while more bytes are needed.
    mutating func decode(_ input: inout HTTPInputBuffer) throws(HTTPError) -> [UInt8]? {
        while true {
            switch stage {
            case .sizeLine:
                guard let size = try parseSizeLine(&input) else { return nil }
                stage = size == 0 ? .trailers : .data(remaining: size)
            case .data(let remaining):
                let take = min(remaining, input.unreadCount)
                body.append(contentsOf: input.bytes[input.readIndex..<(input.readIndex + take)])
                input.readIndex += take
                guard take == remaining else {
                    stage = .data(remaining: remaining - take)
                    return nil
                }
                stage = .dataEnd
            case .dataEnd:
                guard try consumeDataCRLF(&input) else { return nil }
                stage = .sizeLine
            case .trailers:
                guard try consumeTrailers(&input) else { return nil }
                let complete = body
                reset()
                return complete
            }
        }
    }

    /// `chunk-size [ chunk-ext ] CRLF`; extensions are ignored. Returns nil until the line is complete.
    private mutating func parseSizeLine(_ input: inout HTTPInputBuffer) throws(HTTPError) -> Int? {
        let available = input.unreadCount
        let end = min(available, rules.maxSizeLineBytes)
        var lineEnd: Int?
        while sizeLineScanned < end {
            let offset = sizeLineScanned
            sizeLineScanned += 1
            if input.bytes[input.readIndex + offset] == HTTPASCII.lf { lineEnd = offset; break }
        }
        guard let lineEnd else {
            if available >= rules.maxSizeLineBytes { throw rules.error(.sizeLineTooLong(limit: rules.maxSizeLineBytes)) }
            return nil
        }
        var line = input.bytes[input.readIndex..<(input.readIndex + lineEnd)]
        if line.last == HTTPASCII.cr { line.removeLast() }
        if line.contains(HTTPASCII.cr) { throw rules.error(.bareCR) }

        var size: UInt64 = 0
        var digits = 0
        for byte in line {
            guard let value = HTTPASCII.hexValue(byte) else { break }
            digits += 1
            guard digits <= rules.maxSizeDigits else { throw rules.error(.tooManySizeDigits(limit: rules.maxSizeDigits)) }
            size = size << 4 | UInt64(value)
        }
        guard digits > 0 else { throw rules.error(.noSize) }
        var rest = line.dropFirst(digits)
        while let f = rest.first, HTTPASCII.isWhitespace(f) { rest.removeFirst() }
        guard rest.isEmpty || rest.first == HTTPASCII.semicolon else { throw rules.error(.junkAfterSize) }
        guard size <= UInt64(max(0, rules.maxBodyBytes - body.count)) else {
            throw rules.error(.bodyTooLarge(limit: rules.maxBodyBytes))
        }
        input.readIndex += lineEnd + 1
        sizeLineScanned = 0
        return Int(size)
    }

    /// The CRLF (or bare LF) that must follow every chunk's data.
    private func consumeDataCRLF(_ input: inout HTTPInputBuffer) throws(HTTPError) -> Bool {
        let available = input.unreadCount
        guard available >= 1 else { return false }
        switch input.bytes[input.readIndex] {
        case HTTPASCII.lf:
            input.readIndex += 1
            return true
        case HTTPASCII.cr:
            guard available >= 2 else { return false }
            guard input.bytes[input.readIndex + 1] == HTTPASCII.lf else { throw rules.error(.missingDataCRLF) }
            input.readIndex += 2
            return true
        default:
            throw rules.error(.missingDataCRLF)
        }
    }

    /// Trailer fields are validated like header fields, limited like them, then dropped.
    private mutating func consumeTrailers(_ input: inout HTTPInputBuffer) throws(HTTPError) -> Bool {
        let progress = trailerScanner.scan(input.bytes, blockStart: input.readIndex, byteLimit: rules.maxTrailerBytes)
        if trailerScanner.lines.count > rules.maxTrailerCount {
            throw rules.error(.tooManyTrailers(limit: rules.maxTrailerCount))
        }
        switch progress {
        case .needMore:
            return false
        case .overLimit:
            throw rules.error(.trailersTooLarge(limit: rules.maxTrailerBytes))
        case .complete(let length):
            for range in trailerScanner.lines {
                try rules.checkTrailerLine(input.bytes[(input.readIndex + range.lowerBound)..<(input.readIndex + range.upperBound)])
            }
            trailerScanner = HTTPLineBlockScanner()
            input.readIndex += length
            return true
        }
    }
}
