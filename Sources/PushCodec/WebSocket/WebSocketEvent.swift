/// One thing a WebSocket peer said, as the message assembler reports it.
///
/// Payload pointers are valid only inside the callback that receives the event.
public enum WebSocketEvent {
    /// A complete text message, already checked to be valid UTF-8.
    case text(UnsafeRawBufferPointer)
    /// A complete binary message.
    case binary(UnsafeRawBufferPointer)
    case ping(UnsafeRawBufferPointer)
    case pong(UnsafeRawBufferPointer)
    /// A close frame; `code` is nil when the frame had no payload.
    case close(code: UInt16?, reason: String)
}
