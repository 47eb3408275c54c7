/// Receives what an HTTP keep-alive client sees.
protocol HTTPClientDelegate: AnyObject {
    func clientReady(_ client: HTTPKeepAliveClient)
    func client(_ client: HTTPKeepAliveClient, received response: HTTPResponseReader.Response, sentAt: Int64)
    func clientClosed(_ client: HTTPKeepAliveClient, reason: String?)
}

/// One keep-alive HTTP/1.1 connection with pipelined requests (publisher, webhook poster).
final class HTTPKeepAliveClient: PolledConnection {
    unowned(unsafe) var delegate: (any HTTPClientDelegate)?
    private var reader = HTTPResponseReader()
    /// Send times of the requests awaiting a response, oldest first.
    private var sendTimes: [Int64] = []
    private var sendTimesStart = 0

    var inFlight: Int { sendTimes.count - sendTimesStart }
    var isUsable: Bool { phase == .ready }

    func sendRequest(_ bytes: [UInt8], now: Int64) {
        sendTimes.append(now)
        send(bytes)
    }

    override func linkReady() {
        delegate?.clientReady(self)
    }

    override func readable() {
        let buffer = worker.buffer
        while true {
            switch channel.read(into: buffer) {
            case .bytes(let n):
                let responses: [HTTPResponseReader.Response]
                do { responses = try reader.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<n])) } catch {
                    return close(reason: error.description)
                }
                for response in responses {
                    let sentAt = sendTimesStart < sendTimes.count ? sendTimes[sendTimesStart] : 0
                    sendTimesStart += 1
                    if sendTimesStart > 1024 && sendTimesStart * 2 > sendTimes.count {
                        sendTimes.removeFirst(sendTimesStart)
                        sendTimesStart = 0
                    }
                    delegate?.client(self, received: response, sentAt: sentAt)
                    if response.closes { return close(reason: "server closed the keep-alive connection") }
                }
                if channel.tls == nil && n < buffer.count { return }
            case .wait(let wantWrite):
                if wantWrite { setInterest(EpollLoop.readable | EpollLoop.writable) }
                return
            case .closed:
                return close(reason: "closed by server")
            case .failed(let line):
                return close(reason: line)
            }
        }
    }

    override func didClose(reason: String?) {
        delegate?.clientClosed(self, reason: reason ?? "closed")
    }
}
