import PushBroker
import PushCodec
import PushObservability
import Synchronization

/// The publish bus of a cluster (Docs/cluster.md): every publication accepted here is delivered to
/// this node's sessions at once, then published once to the Redis bus channel; every other node
/// delivers it to its own sessions, re-running there what depends on local state (topic
/// spellings, `userId`, exclude/eligible, who subscribed).
///
/// Promises, beyond `PublishBus`'s: local delivery never waits for Redis and never fails because
/// of it; a publication that cannot reach Redis (down, queue full, connection lost before the
/// acknowledgement) is counted in `wamp_push_cluster_published_total{result=…}`, never retried;
/// publications from one caller keep their order on every node (one sequence, one connection
/// each way); no node delivers one twice (the origin drops its own echo, receivers drop
/// sequence numbers they have seen).
package final class RedisBus: PublishBus, Sendable {
    private let local: InProcessBus
    private unowned let node: ClusterNode

    init(local: InProcessBus, node: ClusterNode) {
        self.local = local
        self.node = node
    }

    package func publish(_ publications: [Publication], completion: (@Sendable (Int) -> Void)?) {
        local.publish(publications, completion: completion)
        node.send(publications)
    }
}

extension ClusterNode {
    /// Numbers the publications and hands them to the commands connection, in order, from any thread.
    func send(_ publications: [Publication]) {
        guard !publications.isEmpty else { return }
        let envelopes = publications.map { p in
            ClusterEnvelope(origin: nodeId, boot: boot, seq: 0, topic: p.topic, payloadJSON: p.payloadJSON, userId: p.userId,
                            exclude: p.exclude.sorted(), eligible: p.eligible.map { $0.sorted() })
        }
        var dropped = 0
        let wake = outbox.withLock { box -> Bool in
            for var envelope in envelopes {
                // Numbered even when dropped: receivers then count the gap.
                box.seq += 1
                guard box.entries.count < outboxLimit else {
                    dropped += 1
                    continue
                }
                envelope.seq = box.seq
                box.entries.append(envelope)
            }
            guard !box.drainQueued, !box.entries.isEmpty else { return false }
            box.drainQueued = true
            return true
        }
        if dropped > 0 { metrics.queueFull.increment(by: dropped) }
        if wake { loop.execute { [self] in drainOutbox() } }
    }

    /// On the loop: sends what the outbox holds, oldest first.
    private func drainOutbox() {
        let entries = outbox.withLock { box -> [ClusterEnvelope] in
            box.drainQueued = false
            defer { box.entries.removeAll(keepingCapacity: box.entries.capacity <= 1024) }
            return box.entries
        }
        let metrics = self.metrics
        for envelope in entries {
            commands.publish(busChannel, envelope.encoded()) { result in
                switch result {
                case .success: metrics.sent.increment()
                case .failure(.notConnected), .failure(.stopped): metrics.redisDown.increment()
                case .failure(.queueFull): metrics.queueFull.increment()
                case .failure: metrics.connectionLost.increment()
                }
            }
        }
    }

    /// On the loop: one message from the bus or the control channel.
    func receive(_ message: RedisMessage) {
        if message.channel == controlChannel { return receiveControl(message.payload) }
        guard message.channel == busChannel else { return }
        let envelope: ClusterEnvelope, payload: JSONValue
        switch ClusterEnvelope.decode(message.payload) {
        case .failure(let error):
            metrics.malformed.increment()
            if let suppressed = logThrottle.admit("malformed") {
                log.warning("cluster: envelope refused", metadata: ["reason": "\(error)", "suppressed": "\(suppressed)"])
            }
            return
        case .success(let decoded):
            (envelope, payload) = decoded
        }
        if envelope.origin == nodeId {
            return metrics.own.increment()
        }
        switch sequences.admit(origin: envelope.origin, boot: envelope.boot, seq: envelope.seq) {
        case .duplicate:
            return metrics.duplicate.increment()
        case .deliver(let missed):
            if missed > 0 {
                metrics.gapEvents.increment(by: Int(clamping: missed))
                log.warning("cluster: events from a node were lost", metadata: ["origin": "\(envelope.origin)", "missed": "\(missed)"])
            }
        }
        do {
            let publication = try broker.prepare(topic: envelope.topic, payload: payload, userId: envelope.userId,
                                                 exclude: Set(envelope.exclude), eligible: envelope.eligible.map { Set($0) })
            // Local delivery only: what came from the bus never goes back to it.
            broker.publish([publication])
            metrics.delivered.increment()
        } catch {
            metrics.refused.increment()
            if let suppressed = logThrottle.admit("refused") {
                log.warning("cluster: publication refused here", metadata: [
                    "origin": "\(envelope.origin)", "topic": "\(envelope.topic.prefix(120))", "reason": "\(error.message)",
                    "suppressed": "\(suppressed)"])
            }
        }
    }
}
