import Dispatch

/// A semaphore usable from Swift 6 closures (DispatchSemaphore is Sendable; this names intent).
final class DispatchSemaphoreBox: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    func signal() { semaphore.signal() }
    func wait() { semaphore.wait() }
}

/// Carries a value written by one thread and read by another after a semaphore hand-off.
/// Owned by the loop thread inside `sync` until `done.signal()`, by the caller after its `wait()`.
final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}

/// Hands `sync`'s non-Sendable body to the loop: only the loop thread calls it, while the caller waits.
final class UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
