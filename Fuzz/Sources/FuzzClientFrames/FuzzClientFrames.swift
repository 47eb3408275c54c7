import FuzzSupport
import PushClient
import PushCodec

/// PushClient's `WebSocketFrameReader`, which reads the server's frames in the CLI, the doctor
/// and the tests. With a roomy and a tight payload limit:
/// - the frames and the error are the same whole, one byte per read, in two reads, or given
///   to the initializer;
/// - every frame follows RFC 6455 §5 for server frames (a known opcode, control frames final
///   and at most 125 bytes, payload within the limit), and written again with the server's
///   `FrameEncoder` gives back exactly the bytes it was read from (the reader admits only the
///   minimal, unmasked encoding, so there is one);
/// - against the server's own `FrameDecoder` in client role, an independent implementation: the
///   reader's frames are a prefix of the decoder's; without errors they are the same frames; a
///   frame the reader refuses for a rule both share, the decoder refuses too (the reader is
///   stricter only about non-minimal length encodings);
/// - an error is a one-line protocol error.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    for limit in [65_536, 100] {
        let cuts = Cuts.all(bytes)
        let whole = ReaderRun(cuts[0], limit: limit)
        for cut in cuts.dropFirst() {
            let other = ReaderRun(cut, limit: limit)
            invariant(other == whole, "\(cut.count) reads gave \(other), one read gave \(whole)")
        }
        let seeded = ReaderRun(initialBytes: bytes, limit: limit)
        invariant(seeded == whole, "initialBytes gave \(seeded), append gave \(whole)")
        whole.checkFrames(against: bytes, limit: limit)
        whole.checkAgainstDecoder(DecoderRun(bytes, limit: limit))
    }
    return 0
}

@main
enum FuzzClientFrames {
    static func main() { FuzzDriver.run(fuzzOneInput) }
}

struct ReaderRun: Equatable, CustomStringConvertible {
    var frames: [WebSocketClientFrame] = []
    var error: ClientError?

    init(_ pieces: [ArraySlice<UInt8>], limit: Int) {
        var reader = WebSocketFrameReader(maxPayloadBytes: limit)
        for piece in pieces {
            reader.append(Array(piece))
            guard drain(&reader) else { return }
        }
    }

    init(initialBytes: [UInt8], limit: Int) {
        var reader = WebSocketFrameReader(maxPayloadBytes: limit, initialBytes: initialBytes)
        _ = drain(&reader)
    }

    /// Reads every complete frame; false once the reader failed.
    private mutating func drain(_ reader: inout WebSocketFrameReader) -> Bool {
        do {
            while let frame = try reader.next() { frames.append(frame) }
            return true
        } catch {
            self.error = error
            return false
        }
    }

    var description: String {
        "\(frames.count) frames \(frames.map { "\($0.opcode)\($0.fin ? "" : "…"):\($0.payload.count)B" }), error \(error?.message ?? "none")"
    }

    func checkFrames(against input: [UInt8], limit: Int) {
        var encoded: [UInt8] = []
        for frame in frames {
            let opcode = Opcode(rawValue: frame.opcode)
            invariant(!opcode.isReserved, "reserved opcode \(frame.opcode) read")
            invariant(frame.payload.count <= limit, "payload of \(frame.payload.count) bytes over the limit \(limit)")
            if opcode.isControl {
                invariant(frame.fin && frame.payload.count <= 125, "control frame \(frame.opcode) fin \(frame.fin), \(frame.payload.count) bytes")
            }
            encoded += frame.payload.withUnsafeBytes { FrameEncoder.serverFrame(opcode, payload: $0, fin: frame.fin).array }
        }
        invariant(input.starts(with: encoded), "the frames written again are not the bytes they were read from")
        if let error {
            invariant(error.kind == .protocolError, "error of kind \(error.kind)")
            invariant(error.message.hasPrefix("WebSocket protocol error: ") && !error.message.contains("\n"), "error \(error.message)")
        }
    }

    func checkAgainstDecoder(_ decoder: DecoderRun) {
        invariant(decoder.frames.count >= frames.count && Array(decoder.frames.prefix(frames.count)) == frames,
                  "reader frames \(frames.count) are not a prefix of the decoder's \(decoder.frames.count) (decoder error: \(decoder.error ?? "none"))")
        if error == nil && decoder.error == nil {
            invariant(decoder.frames.count == frames.count, "decoder read \(decoder.frames.count) frames, reader \(frames.count), neither failed")
        }
        if let error, !error.message.contains("length form") {
            invariant(decoder.error != nil && decoder.frames.count == frames.count,
                      "reader refused (\(error.message)) a frame the decoder read: \(decoder.frames.count) frames, error \(decoder.error ?? "none")")
        }
    }
}

/// The server codec's decoder in client role, over the whole input.
struct DecoderRun {
    var frames: [WebSocketClientFrame] = []
    var error: String?

    init(_ input: [UInt8], limit: Int) {
        var decoder = FrameDecoder(maxFrameBytes: limit, role: .client)
        var buffer = input
        var frames: [WebSocketClientFrame] = []
        do {
            try buffer.withUnsafeMutableBytes { raw in
                try decoder.decode(raw) { header, payload in
                    frames.append(WebSocketClientFrame(fin: header.fin, opcode: header.opcode.rawValue, payload: Array(payload)))
                }
            }
        } catch {
            self.error = "\(error)"
        }
        self.frames = frames
    }
}
