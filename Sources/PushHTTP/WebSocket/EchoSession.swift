import PushCodec

/// `/echo`: sends every message back unchanged (for conformance suites such as Autobahn).
package final class EchoSession: WebSocketSession {
    package func webSocketDidOpen(_ webSocket: WebSocketHandler) {}

    package func webSocket(_ webSocket: WebSocketHandler, didReceiveText text: UnsafeRawBufferPointer) {
        webSocket.send(FrameEncoder.serverFrame(.text, payload: text))
    }

    package func webSocket(_ webSocket: WebSocketHandler, didReceiveBinary data: UnsafeRawBufferPointer) {
        webSocket.send(FrameEncoder.serverFrame(.binary, payload: data))
    }

    package func webSocketDidClose(_ webSocket: WebSocketHandler) {}
}
