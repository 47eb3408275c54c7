import PushCodec

/// `/echo`: sends every message back unchanged (for conformance suites such as Autobahn).
package final class EchoSession: WebSocketSession {
    package func webSocketDidOpen(_ socket: WebSocketHandler) {}

    package func webSocket(_ socket: WebSocketHandler, didReceiveText text: UnsafeRawBufferPointer) {
        socket.send(FrameEncoder.serverFrame(.text, payload: text))
    }

    package func webSocket(_ socket: WebSocketHandler, didReceiveBinary data: UnsafeRawBufferPointer) {
        socket.send(FrameEncoder.serverFrame(.binary, payload: data))
    }

    package func webSocketDidClose(_ socket: WebSocketHandler) {}
}
