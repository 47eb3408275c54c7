import CLibFuzzer

#if canImport(Glibc)
import Glibc
#endif

/// Starts libFuzzer with this process's arguments and exits with its status.
///
/// SwiftPM links every executable with `--defsym main=<Target>_main`, which replaces the `main`
/// that `-sanitize=fuzzer` brings along; so each target has an `@main` that hands control back
/// to libFuzzer through `LLVMFuzzerRunDriver`. `testOneInput` is the target's
/// `@_cdecl("LLVMFuzzerTestOneInput")` function (libFuzzer's own `main` still references that name).
public enum FuzzDriver {
    public static func run(_ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
    }
}

/// Stops the run with a message libFuzzer reports as a crash (the input is saved as `crash-*`).
/// Used for logic bugs: a broken invariant is as much a finding as a memory error.
public func invariant(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                      file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("invariant failed: \(message())", file: file, line: line) }
}

/// The fuzz input as an owned array (the pointer libFuzzer passes is only valid during the call).
public func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// The ways one input is cut into reads when a target checks that the cut does not matter:
/// whole, one byte per read, and two reads split at a position derived from the bytes (so the
/// fuzzer, which keeps inputs that reach new code, also explores split positions).
public enum Cuts {
    public static func all(_ bytes: [UInt8]) -> [[ArraySlice<UInt8>]] {
        guard bytes.count > 1 else { return [[bytes[...]]] }
        let split = splitPoint(bytes)
        return [
            [bytes[...]],
            bytes.indices.map { bytes[$0...$0] },
            [bytes[..<split], bytes[split...]],
        ]
    }

    /// A position in 1..<count from an FNV-1a hash of the bytes.
    public static func splitPoint(_ bytes: [UInt8]) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return 1 + Int(hash % UInt64(bytes.count - 1))
    }
}
