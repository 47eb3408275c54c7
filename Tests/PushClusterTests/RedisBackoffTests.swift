@testable import PushCluster
import Testing

@Suite struct RedisBackoffTests {
    @Test func delays_doubleUpToTheCap_withinTheirUpperHalf() {
        var backoff = RedisBackoff(first: 0.1, cap: 1)
        let ceilings = [0.1, 0.2, 0.4, 0.8, 1, 1, 1]
        for ceiling in ceilings {
            #expect(abs(backoff.nextDelay(unit: 0) - ceiling / 2) < 1e-9)
        }
        backoff.reset()
        #expect(abs(backoff.nextDelay(unit: 1) - 0.1) < 1e-9)
        #expect(abs(backoff.nextDelay(unit: 0.5) - 0.15) < 1e-9)
    }

    @Test func manyFailures_neverOverflow() {
        var backoff = RedisBackoff(first: 0.5, cap: 30)
        for _ in 0..<200 { _ = backoff.nextDelay(unit: 1) }
        #expect(backoff.nextDelay(unit: 1) == 30)
    }

    @Test func fifo_keepsOrderAcrossCompaction() {
        var queue = FIFO<Int>()
        var expected = 0
        for i in 0..<2000 {
            queue.append(i)
            if i % 3 == 0, let first = queue.popFirst() {
                #expect(first == expected)
                expected += 1
            }
        }
        while let first = queue.popFirst() {
            #expect(first == expected)
            expected += 1
        }
        #expect(expected == 2000 && queue.isEmpty && queue.count == 0)
        queue.append(7)
        #expect(Array(queue.removeAll()) == [7] && queue.isEmpty)
    }
}
