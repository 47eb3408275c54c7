import FuzzSupport
import PushCodec

/// JSON parser and writer. Checks: no crash; an error's offset lies inside the input and its
/// message names it; parse → write → parse gives the same value and writing again the same bytes;
/// the byte-array, raw-buffer and String entry points agree; a lower depth limit either fails or
/// gives the same value; number accessors agree with the literal; `JSONString`'s two writers and
/// its size prediction agree for every string in the document.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let parsed = Result { () throws(JSONError) in try JSONParser.parse(bytes) }
    let viaRaw = bytes.withUnsafeBytes { raw in Result { () throws(JSONError) in try JSONParser.parse(raw) } }
    invariant(viaRaw == parsed, "raw-buffer parse \(viaRaw) differs from array parse \(parsed)")
    if let text = String(validating: bytes, as: UTF8.self) {
        let viaString = Result { () throws(JSONError) in try JSONParser.parse(text) }
        invariant(viaString == parsed, "String parse \(viaString) differs from byte parse \(parsed)")
    }
    switch parsed {
    case .failure(let error):
        invariant(error.offset >= 0 && error.offset <= bytes.count, "error offset \(error.offset) outside \(bytes.count) bytes")
        invariant(error.message.hasSuffix("at byte \(error.offset)"), "message '\(error.message)' does not name its offset")
    case .success(let value):
        let written = value.jsonBytes
        let reparsed = Result { () throws(JSONError) in try JSONParser.parse(written) }
        invariant(reparsed == .success(value), "written \(String(decoding: written, as: UTF8.self)) parses to \(reparsed)")
        invariant((try? JSONParser.parse(written))?.jsonBytes == written, "writing is not stable")
        let shallow = Result { () throws(JSONError) in try JSONParser.parse(bytes, maxDepth: 3) }
        if case .success(let v) = shallow { invariant(v == value, "depth-3 parse gives a different value") }
        walk(value)
    }
    return 0
}

@main
enum FuzzJSON {
    static func main() { FuzzDriver.run(fuzzOneInput) }
}

/// Per-leaf checks over the whole tree.
func walk(_ value: JSONValue) {
    switch value {
    case .string(let s):
        checkString(s)
    case .number(let n):
        invariant(JSONNumber(literal: n.literal) == n, "literal \(n.literal) does not round-trip")
        if n.isIntegerLiteral {
            invariant(n.int64 == Int64(n.literal), "int64 of \(n.literal) is \(String(describing: n.int64))")
        } else if let i = n.int64, let d = n.double {
            invariant(Double(i) == d, "int64 \(i) of \(n.literal) differs from double \(d)")
        }
    case .array(let elements):
        elements.forEach(walk)
    case .object(let object):
        for member in object.members {
            checkString(member.key)
            walk(member.value)
        }
        for key in object.keys {
            invariant(object[key] == object.members.last(where: { $0.key == key })?.value, "lookup of \(key) is not the last member")
        }
    case .null, .bool:
        break
    }
}

func checkString(_ s: String) {
    var appended: [UInt8] = []
    JSONString.write(s, into: &appended)
    let predicted = JSONString.encodedCount(s)
    invariant(appended.count == predicted, "encodedCount \(predicted) but wrote \(appended.count)")
    let direct = [UInt8](unsafeUninitializedCapacity: predicted) { buffer, initialized in
        initialized = JSONString.write(s, to: UnsafeMutableRawPointer(buffer.baseAddress!))
    }
    invariant(direct == appended, "pointer writer and array writer differ")
    invariant((try? JSONParser.parse(appended)) == .string(s), "string literal does not round-trip")
}
