/// Something watched by a loop's epoll. Called on the loop thread only.
protocol LoopWatcher: AnyObject {
    /// Input, end of input or an error is pending (edge-triggered: read until EAGAIN, or until
    /// a short read when `hangUp` is false: input arriving after that read raises a new edge).
    /// `hangUp`: the peer's FIN or an error came with this event, so read to the end.
    func loopReadable(hangUp: Bool)
    /// The socket became writable again.
    func loopWritable()
}
