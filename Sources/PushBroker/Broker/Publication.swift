import PushCodec

/// One event ready for fan-out: the EVENT frame encoded once per topic spelling, plus who may
/// receive it. Immutable, so every loop reads the same instance.
package final class Publication: Sendable {
    package struct Target: Sendable {
        package init(uri: String, frame: SharedBytes) {
            self.uri = uri
            self.frame = frame
        }

        /// The topic URI subscribers are indexed under.
        package let uri: String
        /// The WebSocket frame carrying `[8, uri, payload]`.
        package let frame: SharedBytes
    }

    package let targets: [Target]
    /// The topic as the publisher named it (a cluster bus sends this, and each node resolves
    /// its own spellings).
    package let topic: String
    /// The payload as compact JSON, kept for subscribers that spelled the topic as a CURIE.
    package let payloadJSON: [UInt8]
    /// Only sessions of this user (EspoCRM's per-user Submission).
    package let userId: String?
    /// WAMP v1 exclude / eligible, by session id.
    package let exclude: Set<String>
    package let eligible: Set<String>?

    package init(uris: [String], payload: JSONValue, userId: String? = nil, exclude: Set<String> = [], eligible: Set<String>? = nil,
                 topic: String? = nil) {
        self.topic = topic ?? uris.first ?? ""
        payloadJSON = payload.jsonBytes
        let json = payloadJSON
        targets = uris.map { Target(uri: $0, frame: Self.eventFrame(topic: $0, payloadJSON: json)) }
        self.userId = userId
        self.exclude = exclude
        self.eligible = eligible
    }

    package var hasFilters: Bool { userId != nil || !exclude.isEmpty || eligible != nil }
    /// Every subscriber of its single topic receives exactly this frame: runs of these can share
    /// one block (`LoopBroker.deliverRun`).
    package var isUniform: Bool { targets.count == 1 && !hasFilters }

    package func admits(_ session: WAMPSession) -> Bool { admitsSession(id: session.sessionId, userId: session.userId) }

    package func admitsSession(id: String, userId sessionUser: String) -> Bool {
        if let userId, sessionUser != userId { return false }
        if !exclude.isEmpty, exclude.contains(id) { return false }
        if let eligible, !eligible.contains(id) { return false }
        return true
    }

    /// `[8,"topic",payload]` framed as one unmasked text frame in a single allocation.
    package static func eventFrame(topic: String, payloadJSON: [UInt8]) -> SharedBytes {
        let bodyCount = WAMPCodec.eventSize(topic: topic, payloadCount: payloadJSON.count)
        let headerCount = FrameEncoder.headerSize(payloadCount: bodyCount, masked: false)
        return SharedBytes(count: headerCount + bodyCount) { out in
            let base = out.baseAddress!
            let h = FrameEncoder.writeHeader(into: base, opcode: .text, fin: true, payloadCount: bodyCount, maskKey: nil)
            payloadJSON.withUnsafeBytes { payload in
                _ = WAMPCodec.writeEvent(topic: topic, rawPayloadJSON: payload, into: base + h)
            }
        }
    }
}
