import FuzzSupport
import PushCodec

/// WebSocket frame decoder plus message assembler, as one connection runs them. For both roles
/// (server: masked client frames; client: unmasked server frames) with roomy and with tight limits:
/// - the frames, messages and error are the same whole, one byte per read, or in two reads
///   (the in-place unmasking fast path against the buffered, resumed-mask path);
/// - every frame equals what a plain byte-by-byte reference decoder reads (header fields, unmasked
///   payload), up to the first error, and all of them when there is none;
/// - each message equals its frames' payloads joined; text is valid UTF-8; sizes respect the limits;
/// - each frame, encoded again with `FrameEncoder`, decodes to itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let configs: [(FrameDecoder.Role, Int, Int)] = [(.server, 1 << 16, 1 << 16), (.client, 100, 200)]
    for (role, maxFrame, maxMessage) in configs {
        let cuts = Cuts.all(bytes)
        let whole = Transcript(feeding: cuts[0], role: role, maxFrameBytes: maxFrame, maxMessageBytes: maxMessage)
        for cut in cuts.dropFirst() {
            let other = Transcript(feeding: cut, role: role, maxFrameBytes: maxFrame, maxMessageBytes: maxMessage)
            invariant(other == whole, "\(cut.count) reads gave \(other), one read gave \(whole)")
        }
        let reference = ReferenceDecoder.frames(bytes)
        invariant(whole.frames.count <= reference.count && Array(reference.prefix(whole.frames.count)) == whole.frames,
                  "decoded frames \(whole.frames) differ from the reference \(reference)")
        if whole.error == nil {
            invariant(whole.frames.count == reference.count, "decoded \(whole.frames.count) of \(reference.count) frames without an error")
        }
        for frame in whole.frames { checkReencoding(frame, role: role, maxFrameBytes: maxFrame) }
        if let error = whole.error { checkCloseFrame(for: error) }
    }
    return 0
}

@main
enum FuzzWebSocket {
    static func main() { FuzzDriver.run(fuzzOneInput) }
}

struct Frame: Equatable, CustomStringConvertible {
    var header: FrameHeader
    var payload: [UInt8]
    var description: String {
        let head = payload.prefix(8).map { String($0, radix: 16) }.joined(separator: " ")
        return "\(header.opcode)\(header.fin ? "" : "…") \(payload.count)B [\(head)\(payload.count > 8 ? " …" : "")]"
    }
}

enum Event: Equatable {
    case text([UInt8]), binary([UInt8]), ping([UInt8]), pong([UInt8]), close(UInt16?, String)
}

struct Transcript: Equatable, CustomStringConvertible {
    var frames: [Frame] = []
    var events: [Event] = []
    var error: WebSocketError?

    init(feeding pieces: [ArraySlice<UInt8>], role: FrameDecoder.Role, maxFrameBytes: Int, maxMessageBytes: Int) {
        var decoder = FrameDecoder(maxFrameBytes: maxFrameBytes, role: role)
        var assembler = MessageAssembler(maxMessageBytes: maxMessageBytes)
        var model = AssemblyModel()
        var frames: [Frame] = [], events: [Event] = []
        for piece in pieces {
            var buffer = Array(piece)
            do {
                try buffer.withUnsafeMutableBytes { raw in
                    try decoder.decode(raw) { header, payload in
                        invariant(payload.count == header.payloadLength, "payload of \(payload.count) bytes for \(header)")
                        invariant(payload.count <= maxFrameBytes, "frame of \(payload.count) bytes passed the limit")
                        let frame = Frame(header: header, payload: Array(payload))
                        frames.append(frame)
                        let before = events.count
                        do {
                            try assembler.push(header, payload) { event in events.append(Event(event)) }
                        } catch let refusal as WebSocketError {
                            model.checkRefusal(frame, refusal, maxMessageBytes: maxMessageBytes)
                            throw refusal
                        }
                        model.check(frame, produced: Array(events[before...]), maxMessageBytes: maxMessageBytes)
                    }
                }
            } catch let failure as WebSocketError {
                error = failure
                invariant(decoder.error == failure, "decoder keeps \(String(describing: decoder.error)), threw \(failure)")
                break
            } catch {
                invariant(false, "decode threw a non-WebSocket error \(error)")
            }
        }
        self.frames = frames
        self.events = events
    }

    var description: String {
        "frames \(frames), \(events.count) events, error \(error.map(String.init(describing:)) ?? "none")"
    }
}

extension Event {
    init(_ event: WebSocketEvent) {
        switch event {
        case .text(let p):
            invariant(String(validating: p, as: UTF8.self) != nil, "text message is not UTF-8")
            self = .text(Array(p))
        case .binary(let p): self = .binary(Array(p))
        case .ping(let p): self = .ping(Array(p))
        case .pong(let p): self = .pong(Array(p))
        case .close(let code, let reason):
            if let code { invariant(CloseCode.isAllowedOnWire(code), "close code \(code) accepted") }
            self = .close(code, reason)
        }
    }
}

/// What RFC 6455 §5.4 says the assembler must report for each frame it accepted, and when it
/// may refuse one.
struct AssemblyModel {
    private var pending: [UInt8]?
    private var pendingIsText = false

    /// A refusal must have a reason the model sees too: no false alarms on valid traffic.
    func checkRefusal(_ frame: Frame, _ refusal: WebSocketError, maxMessageBytes: Int) {
        let header = frame.header
        switch header.opcode {
        case .text, .binary, .continuation:
            if header.opcode == .continuation ? pending == nil : pending != nil { return }  // fragmentation error
            let message = (header.opcode == .continuation ? pending ?? [] : []) + frame.payload
            if message.count > maxMessageBytes { return }
            let isText = header.opcode == .continuation ? pendingIsText : header.opcode == .text
            invariant(isText, "\(refusal) for a binary message within the limits")
            let missing = ReferenceUTF8.missingBytes(message)
            invariant(missing < 0 || (header.fin && missing > 0), "\(refusal) for \(message.count) bytes of UTF-8 that can still be valid")
        case .close:
            if frame.payload.count == 1 { return }
            if frame.payload.count >= 2 && !CloseCode.isAllowedOnWire(UInt16(frame.payload[0]) << 8 | UInt16(frame.payload[1])) { return }
            invariant(ReferenceUTF8.missingBytes(Array(frame.payload.dropFirst(2))) != 0, "\(refusal) for a valid close frame")
        case .ping, .pong:
            invariant(false, "\(refusal) for a \(header.opcode) frame")
        default:
            return  // reserved opcode: the decoder refuses it first
        }
    }

    mutating func check(_ frame: Frame, produced: [Event], maxMessageBytes: Int) {
        let header = frame.header
        switch header.opcode {
        case .ping: invariant(produced == [.ping(frame.payload)], "ping became \(produced)")
        case .pong: invariant(produced == [.pong(frame.payload)], "pong became \(produced)")
        case .close:
            invariant(produced.count == 1, "close became \(produced)")
            if case .close(let code, _)? = produced.first {
                invariant(code == nil ? frame.payload.isEmpty : frame.payload.count >= 2, "close code \(String(describing: code)) from \(frame.payload.count) bytes")
                invariant(ReferenceUTF8.missingBytes(Array(frame.payload.dropFirst(2))) == 0, "accepted a close reason that is not UTF-8")
            } else {
                invariant(false, "close became \(produced)")
            }
        case .text, .binary:
            invariant(pending == nil, "a new message was accepted inside a fragmented one")
            pendingIsText = header.opcode == .text
            deliverOrKeep(frame.payload, fin: header.fin, produced: produced, maxMessageBytes: maxMessageBytes)
        case .continuation:
            invariant(pending != nil, "a continuation was accepted without a message")
            deliverOrKeep((pending ?? []) + frame.payload, fin: header.fin, produced: produced, maxMessageBytes: maxMessageBytes)
        default:
            invariant(false, "reserved opcode \(header.opcode) accepted")
        }
    }

    private mutating func deliverOrKeep(_ message: [UInt8], fin: Bool, produced: [Event], maxMessageBytes: Int) {
        invariant(message.count <= maxMessageBytes, "message of \(message.count) bytes passed the limit")
        if pendingIsText {
            let missing = ReferenceUTF8.missingBytes(message)
            invariant(missing >= 0 && (!fin || missing == 0), "accepted text that is not UTF-8 (\(missing))")
        }
        if fin {
            invariant(produced == [pendingIsText ? .text(message) : .binary(message)], "message of \(message.count) bytes became \(produced)")
            pending = nil
        } else {
            invariant(produced.isEmpty, "a fragment produced \(produced)")
            pending = message
        }
    }
}

/// RFC 6455 §5.2 framing read the slow, obvious way: no validation, byte-wise unmasking.
enum ReferenceDecoder {
    static func frames(_ bytes: [UInt8]) -> [Frame] {
        var frames: [Frame] = []
        var pos = 0
        while bytes.count - pos >= 2 {
            let b0 = bytes[pos], b1 = bytes[pos + 1]
            var header = 2
            var length = UInt64(b1 & 0x7F)
            let extra = length == 126 ? 2 : (length == 127 ? 8 : 0)
            guard bytes.count - pos >= header + extra else { break }
            if extra > 0 {
                length = 0
                for i in 0..<extra { length = length << 8 | UInt64(bytes[pos + header + i]) }
                header += extra
            }
            let masked = b1 & 0x80 != 0
            var key: [UInt8] = [0, 0, 0, 0]
            if masked {
                guard bytes.count - pos >= header + 4 else { break }
                key = Array(bytes[(pos + header)..<(pos + header + 4)])
                header += 4
            }
            guard UInt64(bytes.count - pos - header) >= length else { break }
            let start = pos + header
            var payload: [UInt8] = []
            for i in 0..<Int(length) { payload.append(bytes[start + i] ^ key[i % 4]) }
            let maskKey = key.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            frames.append(Frame(header: FrameHeader(fin: b0 & 0x80 != 0, rsv1: b0 & 0x40 != 0, rsv2: b0 & 0x20 != 0,
                                                    rsv3: b0 & 0x10 != 0, opcode: Opcode(rawValue: b0 & 0x0F),
                                                    masked: masked, payloadLength: Int(length), maskKey: maskKey),
                                payload: payload))
            pos = start + Int(length)
        }
        return frames
    }
}

/// Encodes a decoded frame the way our peers would and decodes it again.
func checkReencoding(_ frame: Frame, role: FrameDecoder.Role, maxFrameBytes: Int) {
    let header = frame.header
    var wire = frame.payload.withUnsafeBytes { payload in
        role == .server
            ? FrameEncoder.clientFrame(header.opcode, payload: payload, maskKey: header.maskKey, fin: header.fin)
            : FrameEncoder.serverFrame(header.opcode, payload: payload, fin: header.fin).array
    }
    invariant(wire.count == FrameEncoder.headerSize(payloadCount: frame.payload.count, masked: role == .server) + frame.payload.count,
              "encoded frame has \(wire.count) bytes")
    var decoder = FrameDecoder(maxFrameBytes: maxFrameBytes, role: role)
    var again: [Frame] = []
    do {
        try wire.withUnsafeMutableBytes { raw in
            try decoder.decode(raw) { again.append(Frame(header: $0, payload: Array($1))) }
        }
    } catch {
        invariant(false, "re-encoded \(frame) fails to decode: \(error)")
    }
    invariant(again == [frame], "re-encoded \(frame) decodes to \(again)")
}

/// The close frame a failure is answered with must fit a control frame and read back as itself.
func checkCloseFrame(for error: WebSocketError) {
    let payload = FrameEncoder.closePayload(code: error.closeCode, reason: error.reason)
    invariant(payload.count <= 125, "close payload of \(payload.count) bytes for \(error)")
    var assembler = MessageAssembler(maxMessageBytes: 125)
    var events: [Event] = []
    do {
        try payload.withUnsafeBytes { raw in
            try assembler.push(FrameHeader(opcode: .close, payloadLength: raw.count), raw) { events.append(Event($0)) }
        }
    } catch {
        invariant(false, "our close frame for \(error) is refused: \(error)")
    }
    invariant(events == [.close(error.closeCode.rawValue, error.reason)], "close frame reads back as \(events)")
}

/// UTF-8 per Unicode Table 3-7, written out plainly as a reference for `UTF8Validator`.
enum ReferenceUTF8 {
    /// 0 for valid UTF-8; for valid text whose last character is unfinished, the bytes it still
    /// lacks; -1 for text that no continuation can make valid.
    static func missingBytes(_ bytes: [UInt8]) -> Int {
        var i = 0
        while i < bytes.count {
            let lead = bytes[i]
            let length: Int, second: ClosedRange<UInt8>
            switch lead {
            case 0x00...0x7F: i += 1; continue
            case 0xC2...0xDF: (length, second) = (2, 0x80...0xBF)
            case 0xE0: (length, second) = (3, 0xA0...0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: (length, second) = (3, 0x80...0xBF)
            case 0xED: (length, second) = (3, 0x80...0x9F)
            case 0xF0: (length, second) = (4, 0x90...0xBF)
            case 0xF1...0xF3: (length, second) = (4, 0x80...0xBF)
            case 0xF4: (length, second) = (4, 0x80...0x8F)
            default: return -1
            }
            for k in 1..<length {
                if i + k == bytes.count { return length - k }
                guard (k == 1 ? second : 0x80...0xBF).contains(bytes[i + k]) else { return -1 }
            }
            i += length
        }
        return 0
    }
}
