/// Something watched by a loop's epoll. Called on the loop thread only.
protocol LoopWatcher: AnyObject {
    /// Input, end of input or an error is pending (edge-triggered: read until EAGAIN).
    func loopReadable()
    /// The socket became writable again.
    func loopWritable()
}
