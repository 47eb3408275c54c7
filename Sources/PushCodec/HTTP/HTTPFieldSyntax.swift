/// The field syntax requests and responses share (RFC 9112 §5 and §6.3): one field line, and the
/// Content-Length value. Each parser turns a `Failure` into its own error (`400` for a request,
/// `502 bad_response` for a response).
enum HTTPFieldSyntax {
    enum Failure: Error, Sendable {
        case obsoleteLineFolding
        case bareCR
        case noColon
        case emptyName
        case whitespaceBeforeColon
        case nameNotToken
        /// The value holds a control character; `name` is the field's name.
        case controlInValue(name: String)
    }

    /// `field-name ":" OWS field-value OWS`; the value decoded as UTF-8 (lossy for obs-text).
    static func parseFieldLine(_ line: ArraySlice<UInt8>) throws(Failure) -> (String, String) {
        if let first = line.first, HTTPASCII.isWhitespace(first) { throw .obsoleteLineFolding }
        if line.contains(HTTPASCII.cr) { throw .bareCR }
        guard let colon = line.firstIndex(of: HTTPASCII.colon) else { throw .noColon }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty else { throw .emptyName }
        if let last = name.last, HTTPASCII.isWhitespace(last) { throw .whitespaceBeforeColon }
        guard name.allSatisfy(HTTPASCII.isTokenChar) else { throw .nameNotToken }
        var value = line[(colon + 1)...]
        while let f = value.first, HTTPASCII.isWhitespace(f) { value.removeFirst() }
        while let l = value.last, HTTPASCII.isWhitespace(l) { value.removeLast() }
        let nameString = String(decoding: name, as: UTF8.self)
        guard !value.contains(where: HTTPASCII.isForbiddenInFieldValue) else { throw .controlInValue(name: nameString) }
        return (nameString, String(decoding: value, as: UTF8.self))
    }

    enum ContentLengthFailure: Error, Sendable {
        /// An element (of `value`, one field) that is empty or not all digits.
        case notDecimal(value: String)
        /// All digits, but too large for an `Int`.
        case tooLarge(value: String)
        /// Elements (fields or comma-list members) that disagree.
        case conflicting
        /// No Content-Length field at all.
        case missing
    }

    /// Every Content-Length element (fields and comma lists) must be digits and all must agree.
    static func contentLength(_ headers: HTTPHeaders) throws(ContentLengthFailure) -> Int {
        var result: Int?
        for value in headers.all("Content-Length") {
            for element in value.split(separator: ",", omittingEmptySubsequences: false) {
                let digits = element.trimmingSpaces()
                guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                    throw .notDecimal(value: value)
                }
                guard let length = Int(digits) else { throw .tooLarge(value: value) }
                if let result, result != length { throw .conflicting }
                result = length
            }
        }
        guard let result else { throw .missing }
        return result
    }
}
