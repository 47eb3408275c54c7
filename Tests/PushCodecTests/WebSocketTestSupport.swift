import Testing
@testable import PushCodec

/// A frame as the decoder delivered it, with the payload copied out of the callback.
struct DecodedFrame: Equatable, CustomStringConvertible {
    var header: FrameHeader
    var payload: [UInt8]
    var description: String { "\(header.opcode) fin=\(header.fin) len=\(header.payloadLength) key=\(header.maskKey) \(payload.prefix(16))" }
}

/// Byte helpers for the WebSocket tests; independent of `FrameEncoder` on purpose.
enum WSBytes {
    /// Parses `"81 05 48"`-style hex.
    static func hex(_ text: String) -> [UInt8] {
        text.split(separator: " ").map { UInt8($0, radix: 16)! }
    }

    static func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// XOR-masks `payload` with the 4 `key` bytes the slow, obvious way.
    static func mask(_ payload: [UInt8], key: [UInt8]) -> [UInt8] {
        payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
    }

    /// A deterministic pattern of `count` bytes covering all byte values.
    static func pattern(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    }
}

/// Feeds byte streams to a fresh `FrameDecoder` cut into chunks in many different ways.
enum WSFeed {
    struct Outcome: Equatable {
        var frames: [DecodedFrame] = []
        var error: WebSocketError?
    }

    /// Decodes `bytes` delivered in chunks that end at each index in `cuts` (ascending, inside the input).
    static func decode(_ bytes: [UInt8], cuts: [Int], role: FrameDecoder.Role, maxFrameBytes: Int = 1 << 20) -> Outcome {
        var decoder = FrameDecoder(maxFrameBytes: maxFrameBytes, role: role)
        var outcome = Outcome()
        var start = 0
        for end in cuts + [bytes.count] where end >= start {
            var chunk = Array(bytes[start..<end])
            start = end
            do {
                try chunk.withUnsafeMutableBytes { buffer in
                    try decoder.decode(buffer) { header, payload in
                        outcome.frames.append(DecodedFrame(header: header, payload: Array(payload)))
                    }
                }
            } catch let error as WebSocketError {
                outcome.error = error
                return outcome
            } catch {
                Issue.record("unexpected error \(error)")
                return outcome
            }
        }
        return outcome
    }

    /// Whole, split once at every index, and byte by byte must all agree; returns the whole-input result.
    static func decodeEverySplit(_ bytes: [UInt8], role: FrameDecoder.Role, maxFrameBytes: Int = 1 << 20,
                                 sourceLocation: SourceLocation = #_sourceLocation) -> Outcome {
        let whole = decode(bytes, cuts: [], role: role, maxFrameBytes: maxFrameBytes)
        var cuttings: [[Int]] = (0...bytes.count).map { [$0] }
        cuttings.append(Array(0...bytes.count))
        for cuts in cuttings {
            let split = decode(bytes, cuts: cuts, role: role, maxFrameBytes: maxFrameBytes)
            if split != whole {
                Issue.record("cuts \(cuts.prefix(4)) gave \(split) instead of \(whole)", sourceLocation: sourceLocation)
                break
            }
        }
        return whole
    }

    /// For big inputs: byte by byte and a few chunk sizes (odd ones to shift the mask phase).
    static func decodeInChunks(_ bytes: [UInt8], role: FrameDecoder.Role, maxFrameBytes: Int = 1 << 20,
                               sourceLocation: SourceLocation = #_sourceLocation) -> Outcome {
        let whole = decode(bytes, cuts: [], role: role, maxFrameBytes: maxFrameBytes)
        for size in [1, 2, 3, 5, 7, 13, 1000, 4099, 65535] {
            let cuts = Array(stride(from: size, to: bytes.count, by: size))
            let split = decode(bytes, cuts: cuts, role: role, maxFrameBytes: maxFrameBytes)
            if split != whole {
                Issue.record("chunk size \(size) gave a different result", sourceLocation: sourceLocation)
            }
        }
        return whole
    }
}

/// Runs frames through a `MessageAssembler`, copying events out of the callback.
enum WSAssemble {
    enum Event: Equatable {
        case text([UInt8]), binary([UInt8]), ping([UInt8]), pong([UInt8]), close(UInt16?, String)
    }

    struct Outcome: Equatable {
        var events: [Event] = []
        var error: WebSocketError?
    }

    static func frame(_ opcode: Opcode, _ payload: [UInt8], fin: Bool = true) -> (FrameHeader, [UInt8]) {
        (FrameHeader(fin: fin, opcode: opcode, masked: true, payloadLength: payload.count, maskKey: 0x0102_0304), payload)
    }

    static func run(_ frames: [(FrameHeader, [UInt8])], maxMessageBytes: Int = 1 << 20) -> Outcome {
        var assembler = MessageAssembler(maxMessageBytes: maxMessageBytes)
        return run(frames, on: &assembler)
    }

    static func run(_ frames: [(FrameHeader, [UInt8])], on assembler: inout MessageAssembler) -> Outcome {
        var outcome = Outcome()
        for (header, payload) in frames {
            do {
                try payload.withUnsafeBytes { bytes in
                    try assembler.push(header, bytes) { event in
                        switch event {
                        case .text(let p): outcome.events.append(.text(Array(p)))
                        case .binary(let p): outcome.events.append(.binary(Array(p)))
                        case .ping(let p): outcome.events.append(.ping(Array(p)))
                        case .pong(let p): outcome.events.append(.pong(Array(p)))
                        case .close(let code, let reason): outcome.events.append(.close(code, reason))
                        }
                    }
                }
            } catch let error as WebSocketError {
                outcome.error = error
                return outcome
            } catch {
                Issue.record("unexpected error \(error)")
                return outcome
            }
        }
        return outcome
    }
}
