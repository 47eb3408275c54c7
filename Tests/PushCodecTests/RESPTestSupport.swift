import PushCodec
import Testing

/// What decoding a byte stream produced: the values, then the error that stopped it (if any).
struct RESPOutcome: Equatable, CustomStringConvertible {
    var values: [RESPValue] = []
    var error: RESPError?

    var description: String { "\(values.count) values \(values), error \(error.map { "\($0)" } ?? "none")" }
}

/// Feeds `pieces` one `append` at a time, pulling every complete value after each.
func decodeRESP(_ pieces: [ArraySlice<UInt8>], limits: RESPLimits = RESPLimits()) -> RESPOutcome {
    var decoder = RESPDecoder(limits: limits)
    var outcome = RESPOutcome()
    do {
        for piece in pieces {
            Array(piece).withUnsafeBytes { decoder.append($0) }
            while let value = try decoder.next() { outcome.values.append(value) }
        }
    } catch {
        outcome.error = error
    }
    return outcome
}

/// Checks that the whole stream, every two-piece split and byte-by-byte feeding all give `expected`.
func expectEveryRESPSplit(_ bytes: [UInt8], limits: RESPLimits = RESPLimits(), _ expected: RESPOutcome,
                          sourceLocation: SourceLocation = #_sourceLocation) {
    for split in 0...bytes.count {
        let outcome = decodeRESP([bytes[..<split], bytes[split...]], limits: limits)
        #expect(outcome == expected, "split at \(split)", sourceLocation: sourceLocation)
        if outcome != expected { return }
    }
    let byteByByte = decodeRESP(bytes.indices.map { bytes[$0...$0] }, limits: limits)
    #expect(byteByByte == expected, "byte by byte", sourceLocation: sourceLocation)
}

func resp(_ text: String) -> [UInt8] { Array(text.utf8) }

extension RESPValue {
    static func bulks(_ texts: String...) -> RESPValue { .array(texts.map { .bulk($0) }) }
}
