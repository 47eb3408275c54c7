import FuzzSupport
import PushCodec

/// RESP2 decoder and encoder. With roomy and with tight limits:
/// - the values and error are the same whole, one byte per read, or in two reads;
/// - every value respects the limits, and its canonical encoding is no longer than the limit
///   on one value (the wire form can only be longer: leading zeros), unless a simple string or
///   error held invalid UTF-8 (read as U+FFFD, which takes three bytes written again);
/// - every value, encoded again, decodes (with the default limits) to itself
///   (decode(encode(x)) == x), and `size(of:)` predicts the encoding;
/// - an error is one non-empty line;
/// - the input cut into arguments at each 0x00 and sent as a command reads back as those arguments.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let configs = [
        RESPLimits(),
        RESPLimits(maxBulkBytes: 16, maxArrayElements: 4, maxDepth: 2, maxLineBytes: 12, maxValueBytes: 64),
    ]
    for limits in configs {
        let cuts = Cuts.all(bytes)
        let whole = Outcome(feeding: cuts[0], limits: limits)
        for cut in cuts.dropFirst() {
            let other = Outcome(feeding: cut, limits: limits)
            invariant(other == whole, "\(cut.count) reads gave \(other), one read gave \(whole)")
        }
        for value in whole.values {
            check(value, depth: 1, limits: limits)
            let encoded = RESPEncoder.encode(value)
            invariant(encoded.count == RESPEncoder.size(of: value), "size(of:) \(RESPEncoder.size(of: value)) for \(encoded.count) bytes")
            // Simple strings and errors are read leniently: an invalid UTF-8 byte becomes U+FFFD,
            // three bytes when written again. Only values without one must fit the limit as written.
            if !hasReplacement(value) {
                invariant(encoded.count <= limits.maxValueBytes, "a value of \(encoded.count) bytes passed the \(limits.maxValueBytes)-byte limit")
            }
            let again = Outcome(feeding: [encoded[...]], limits: RESPLimits())
            invariant(again == Outcome(values: [value]), "\(value) encoded and decoded is \(again)")
        }
        if let error = whole.error {
            let line = error.description
            invariant(!line.isEmpty && !line.contains("\n") && !line.contains("\r"), "error is not one line: \(line)")
        }
    }
    checkCommand(bytes)
    return 0
}

@main
enum FuzzRESP {
    static func main() { FuzzDriver.run(fuzzOneInput) }
}

struct Outcome: Equatable, CustomStringConvertible {
    var values: [RESPValue] = []
    var error: RESPError?

    init(values: [RESPValue]) { self.values = values }

    init(feeding pieces: [ArraySlice<UInt8>], limits: RESPLimits) {
        var decoder = RESPDecoder(limits: limits)
        do {
            for piece in pieces {
                decoder.append(piece)
                while let value = try decoder.next() { values.append(value) }
            }
        } catch {
            self.error = error
            invariant(decoder.error == error, "decoder keeps \(String(describing: decoder.error)), threw \(error)")
        }
    }

    var description: String { "\(values.count) values, error \(error.map { "\($0)" } ?? "none")" }
}

func check(_ value: RESPValue, depth: Int, limits: RESPLimits) {
    switch value {
    case .bulkString(let bytes?):
        invariant(bytes.count <= limits.maxBulkBytes, "bulk string of \(bytes.count) bytes passed the limit")
    case .array(let elements?):
        invariant(depth <= limits.maxDepth, "array at depth \(depth) passed the limit")
        invariant(elements.count <= limits.maxArrayElements, "array of \(elements.count) elements passed the limit")
        for element in elements { check(element, depth: depth + 1, limits: limits) }
    case .simpleString(let text), .error(let text):
        invariant(!text.utf8.contains(13) && !text.utf8.contains(10), "line value holds CR or LF")
    default:
        break
    }
}

func hasReplacement(_ value: RESPValue) -> Bool {
    switch value {
    case .simpleString(let text), .error(let text): text.unicodeScalars.contains("\u{FFFD}")
    case .array(let elements?): elements.contains(where: hasReplacement)
    default: false
    }
}

func checkCommand(_ bytes: [UInt8]) {
    let arguments = bytes.split(separator: 0, omittingEmptySubsequences: false).map { RESPArgument.bytes(Array($0)) }
    let command = RESPEncoder.command(arguments)
    invariant(command.count == RESPEncoder.commandSize(arguments), "commandSize is not the bytes written")
    let decoded = Outcome(feeding: [command.array[...]], limits: RESPLimits(maxBulkBytes: 1 << 20, maxArrayElements: 1 << 20))
    let expected = RESPValue.array(arguments.map { argument -> RESPValue in
        guard case .bytes(let b) = argument else { return .bulkString(nil) }
        return .bulkString(b)
    })
    invariant(decoded == Outcome(values: [expected]), "command of \(arguments.count) arguments reads back as \(decoded)")
}
