import Dispatch
import Foundation
import Synchronization

/// The scenario logic that runs on worker 0, between its loop turns.
protocol ScenarioDriver: AnyObject {
    /// Called once on worker 0 before its first turn.
    func start(_ worker: Worker)
    /// Called before each wait; returns the wait's timeout in milliseconds. Sets `stop` when done.
    func tick(_ worker: Worker) -> Int32
}

/// Starts the worker threads (worker 0 on the calling thread, with the driver) and collects
/// their results once the driver stops the run.
enum Runner {
    static func run(plans: [WorkerPlan], control: RunControl, driver: any ScenarioDriver) throws(BenchError) -> [WorkerResult] {
        precondition(!plans.isEmpty)
        let collected = Mutex<[WorkerResult]>([])
        let group = DispatchGroup()
        for i in 1..<plans.count {
            let plan = plans[i]
            let count = plans.count
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                do throws(BenchError) {
                    let worker = try Worker(index: i, threadCount: count, plan: plan, control: control, driver: nil)
                    let result = worker.run()
                    collected.withLock { $0.append(result) }
                } catch {
                    control.noteError(error.description)
                    control.stop.store(true, ordering: .relaxed)
                }
            }
            thread.name = "bench-worker-\(i)"
            thread.start()
        }
        let first: WorkerResult
        do {
            let worker = try Worker(index: 0, threadCount: plans.count, plan: plans[0], control: control, driver: driver)
            first = worker.run()
        } catch {
            control.stop.store(true, ordering: .relaxed)
            group.wait()
            throw error
        }
        control.stop.store(true, ordering: .relaxed)
        group.wait()
        return [first] + collected.withLock { $0 }
    }

    /// Splits `total` connections over `threads` workers.
    static func share(_ total: Int, threads: Int, index: Int) -> Int {
        if total == .max { return .max }
        return total / threads + (index < total % threads ? 1 : 0)
    }
}
