import PushCodec

/// `/echo`: sends every message back unchanged (for conformance suites such as Autobahn).
final class EchoSession: WebSocketSession {
    func webSocketDidOpen(_ socket: WebSocketHandler) {}

    func webSocket(_ socket: WebSocketHandler, didReceiveText text: UnsafeRawBufferPointer) {
        socket.send(FrameEncoder.serverFrame(.text, payload: text))
    }

    func webSocket(_ socket: WebSocketHandler, didReceiveBinary data: UnsafeRawBufferPointer) {
        socket.send(FrameEncoder.serverFrame(.binary, payload: data))
    }

    func webSocketDidClose(_ socket: WebSocketHandler) {}
}
