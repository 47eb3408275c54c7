/// How the body of a request is delimited (RFC 9112 §6.3).
enum HTTPBodyFraming: Equatable, Sendable {
    case none
    case length(Int)
    case chunked
}

/// Turns the lines of a complete request head into an `HTTPRequestHead`, validating the grammar
/// strictly: anything ambiguous is a `400`, because two parsers disagreeing about where a request
/// ends is how request smuggling works.
enum HTTPHeadParser {
    /// Parses a head whose lines (offsets relative to `blockStart`, request line first) were found by the scanner.
    static func parseHead(_ buffer: [UInt8], blockStart: Int, lines: [Range<Int>]) throws(HTTPError) -> HTTPRequestHead {
        guard let first = lines.first else { throw .badRequest("The request has no request line.") }
        let line = buffer[(blockStart + first.lowerBound)..<(blockStart + first.upperBound)]
        var head = try parseRequestLine(line)
        for range in lines.dropFirst() {
            let (name, value) = try parseFieldLine(buffer[(blockStart + range.lowerBound)..<(blockStart + range.upperBound)])
            head.headers.add(name, value)
        }
        try validateHost(head)
        return head
    }

    /// `method SP request-target SP HTTP-version`, single spaces only.
    static func parseRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPError) -> HTTPRequestHead {
        if line.contains(HTTPASCII.cr) { throw bareCR() }
        let parts = line.split(separator: HTTPASCII.space, omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw .badRequest("The request line must be a method, a target and a version separated by single spaces.")
        }
        let methodBytes = parts[0], targetBytes = parts[1], versionBytes = parts[2]
        guard !methodBytes.isEmpty else { throw .badRequest("The request line has an empty method.") }
        guard methodBytes.allSatisfy(HTTPASCII.isTokenChar) else {
            throw .badRequest("The request method contains a character that is not allowed in a token.")
        }
        let method = String(decoding: methodBytes, as: UTF8.self)
        let version = try parseVersion(versionBytes)
        let target = try parseTarget(targetBytes, method: method)
        return HTTPRequestHead(method: method, target: target, version: version)
    }

    /// Origin form (`/path?query`), asterisk form for OPTIONS, or absolute form with an http(s) scheme.
    static func parseTarget(_ bytes: ArraySlice<UInt8>, method: String) throws(HTTPError) -> String {
        guard !bytes.isEmpty else { throw .badRequest("The request line has an empty target.") }
        guard bytes.allSatisfy(HTTPASCII.isVisible) else {
            throw .badRequest("The request target contains a character that is not visible US-ASCII.")
        }
        let target = String(decoding: bytes, as: UTF8.self)
        if bytes.first == UInt8(ascii: "/") { return target }
        if target == "*" {
            guard method == "OPTIONS" else { throw .badRequest("The asterisk request target is only allowed for OPTIONS.") }
            return target
        }
        let lower = target.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") { return target }
        throw .badRequest("The request target must start with a slash or be an absolute http or https URL.")
    }

    /// `HTTP/<digit>.<digit>`; only 1.0 and 1.1 are served.
    static func parseVersion(_ bytes: ArraySlice<UInt8>) throws(HTTPError) -> HTTPVersion {
        let b = Array(bytes)
        guard b.count == 8, b[0...4].elementsEqual("HTTP/".utf8), b[6] == UInt8(ascii: "."),
              let major = decimalDigit(b[5]), let minor = decimalDigit(b[7]) else {
            throw .badRequest("The request line has a malformed HTTP version.")
        }
        let version = HTTPVersion(major: major, minor: minor)
        guard version == .http1_0 || version == .http1_1 else {
            throw .versionNotSupported("Only HTTP/1.0 and HTTP/1.1 are supported, not \(version).")
        }
        return version
    }

    /// `field-name ":" OWS field-value OWS` (RFC 9112 §5); value decoded as UTF-8 (lossy for obs-text).
    static func parseFieldLine(_ line: ArraySlice<UInt8>) throws(HTTPError) -> (String, String) {
        do {
            return try HTTPFieldSyntax.parseFieldLine(line)
        } catch {
            switch error {
            case .obsoleteLineFolding: throw .badRequest("The request uses obsolete line folding in its header block.")
            case .bareCR: throw bareCR()
            case .noColon: throw .badRequest("A header line has no colon.")
            case .emptyName: throw .badRequest("A header line has an empty field name.")
            case .whitespaceBeforeColon: throw .badRequest("A header field name is followed by whitespace before the colon.")
            case .nameNotToken: throw .badRequest("A header field name contains a character that is not allowed in a token.")
            case .controlInValue: throw .badRequest("A header field value contains a control character.")
            }
        }
    }

    /// RFC 9112 §3.2: HTTP/1.1 needs exactly one Host; no version may send several.
    static func validateHost(_ head: HTTPRequestHead) throws(HTTPError) {
        let count = head.headers.count("Host")
        if count > 1 { throw .badRequest("The request has more than one Host header.") }
        if count == 0, head.version == .http1_1 { throw .badRequest("The HTTP/1.1 request has no Host header.") }
    }

    /// Decides how the body is delimited, refusing every combination that two parsers could read differently.
    static func bodyFraming(_ head: HTTPRequestHead, maxRequestBytes: Int) throws(HTTPError) -> HTTPBodyFraming {
        let headers = head.headers
        let hasLength = headers.count("Content-Length") > 0
        let hasTransferEncoding = headers.count("Transfer-Encoding") > 0
        if hasLength && hasTransferEncoding {
            throw .badRequest("The request has both Content-Length and Transfer-Encoding.")
        }
        if hasTransferEncoding {
            // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means the framing cannot be trusted.
            guard head.version == .http1_1 else { throw .badRequest("An HTTP/1.0 request must not use Transfer-Encoding.") }
            return try transferEncodingFraming(headers)
        }
        if hasLength {
            let length = try contentLength(headers)
            if length > maxRequestBytes {
                throw .payloadTooLarge("The request body of \(length) bytes exceeds the limit of \(maxRequestBytes) bytes.")
            }
            return length == 0 ? .none : .length(length)
        }
        return .none
    }

    /// Every Content-Length element (fields and comma lists) must be digits and all must agree.
    static func contentLength(_ headers: HTTPHeaders) throws(HTTPError) -> Int {
        do {
            return try HTTPFieldSyntax.contentLength(headers)
        } catch {
            switch error {
            case .notDecimal, .missing: throw .badRequest("The Content-Length header is not a decimal number.")
            case .tooLarge: throw .badRequest("The Content-Length header is too large to be a valid length.")
            case .conflicting: throw .badRequest("The request has several different Content-Length values.")
            }
        }
    }

    /// Only `chunked` is implemented, and it must be the final coding (RFC 9112 §6.1).
    static func transferEncodingFraming(_ headers: HTTPHeaders) throws(HTTPError) -> HTTPBodyFraming {
        let codings = headers.all("Transfer-Encoding")
            .flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
            .map { $0.trimmingSpaces().lowercased() }
        guard !codings.isEmpty, !codings.contains(where: \.isEmpty) else {
            throw .badRequest("The Transfer-Encoding header has an empty coding.")
        }
        let chunkedCount = codings.filter { $0 == "chunked" }.count
        if chunkedCount > 0 && codings.last != "chunked" {
            throw .badRequest("The chunked transfer coding must be the final coding.")
        }
        if chunkedCount > 1 { throw .badRequest("The chunked transfer coding is applied more than once.") }
        if codings.contains(where: { $0 != "chunked" }) {
            throw .notImplemented("The request uses a transfer coding other than chunked, which is not implemented.")
        }
        return .chunked
    }

    static func bareCR() -> HTTPError { .badRequest("The request contains a CR that is not followed by LF.") }

    private static func decimalDigit(_ c: UInt8) -> Int? {
        c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") ? Int(c - UInt8(ascii: "0")) : nil
    }
}
