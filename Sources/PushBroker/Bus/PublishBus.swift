/// Where a validated publication goes: the seam between the sources of publications (HTTP,
/// webhook, a client's PUBLISH, ZeroMQ) and delivery. Every source reaches it through
/// `Publisher`, never directly.
///
/// Promises every implementation keeps:
/// - each node delivers a publication to its own sessions at most once;
/// - publications handed over by one caller, in order, reach every node's sessions in that order;
/// - a publication is delivered on this node even when other nodes cannot be reached.
/// `completion` gets the number of sessions queued on this node; it may run on any thread.
package protocol PublishBus: Sendable {
    func publish(_ publications: [Publication], completion: (@Sendable (Int) -> Void)?)
}

/// The default bus (no `cluster` config): delivers to this process's broker, nothing more.
package struct InProcessBus: PublishBus {
    package let broker: Broker

    package init(broker: Broker) { self.broker = broker }

    package func publish(_ publications: [Publication], completion: (@Sendable (Int) -> Void)?) {
        broker.publish(publications, completion: completion)
    }
}
