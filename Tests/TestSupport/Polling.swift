import Foundation

/// Polls `condition` every `interval` seconds until it holds or `seconds` have passed (on the
/// monotonic clock); returns whether it held. Every poll loop in the tests goes through here,
/// so none can wait without a deadline.
public func eventually(_ seconds: Double = 5, every interval: Double = 0.01, _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: interval)
    }
    return condition()
}

/// `eventually` for async tests: sleeps with `Task.sleep`, so the wait holds no thread of the
/// cooperative pool.
public func eventuallyAsync(_ seconds: Double = 5, every interval: Double = 0.01, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
    }
    return condition()
}
