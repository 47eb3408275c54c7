/// What runs on top of an open WebSocket (the WAMP session, the echo diagnostic).
/// Every call arrives on the connection's loop thread.
package protocol WebSocketSession: AnyObject {
    func webSocketDidOpen(_ webSocket: WebSocketHandler)
    /// A complete text message (UTF-8 already validated). Valid only during the call.
    func webSocket(_ webSocket: WebSocketHandler, didReceiveText text: UnsafeRawBufferPointer)
    func webSocket(_ webSocket: WebSocketHandler, didReceiveBinary data: UnsafeRawBufferPointer)
    /// The socket is gone; called once.
    func webSocketDidClose(_ webSocket: WebSocketHandler)
}
