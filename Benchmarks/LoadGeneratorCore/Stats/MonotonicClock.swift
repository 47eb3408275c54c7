import Glibc

/// CLOCK_MONOTONIC in nanoseconds: the clock the publisher stamps into `"ts"` and receivers
/// subtract from, so both sides must be in the same process (or at least the same machine).
public enum MonotonicClock {
    /// Nanoseconds since an arbitrary fixed point (boot).
    @inline(__always)
    public static func nanoseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) &* 1_000_000_000 &+ Int64(spec.tv_nsec)
    }

    /// Seconds as a Double, for durations and rates.
    public static func seconds() -> Double { Double(nanoseconds()) / 1e9 }
}
