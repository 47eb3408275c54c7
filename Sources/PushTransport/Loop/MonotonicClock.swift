import Dispatch

/// Nanoseconds since boot; never jumps with wall-clock changes, so timeouts stay honest.
public enum MonotonicClock {
    @inline(__always)
    public static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    public static func seconds(_ s: Double) -> UInt64 { UInt64(s * 1_000_000_000) }
}

/// The same clock in seconds, for TTLs and rate windows (a wall-clock step cannot stretch or cut them).
public enum MonotonicSeconds {
    public static func now() -> Double { Double(MonotonicClock.now()) / 1_000_000_000 }
}
