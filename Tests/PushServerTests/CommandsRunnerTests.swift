import Foundation
@testable import PushBroker
@testable import PushServer
import PushTransport
import Testing
import TestSupport

@Suite struct CommandsRunnerTests {
    @Test func run_capturesStdoutStderrAndExitStatus() async {
        let result = await CommandRunner().commandsRun("echo out; echo err >&2; exit 3")
        #expect(result == CommandResult(exitStatus: 3, stdout: "out\n", stderr: "err\n", timedOut: false))
    }

    @Test func run_reportsSignalAs128PlusSignal() async {
        let result = await CommandRunner().commandsRun("kill -TERM $$")
        #expect(result.exitStatus == 143)
        #expect(result.timedOut == false)
    }

    @Test func run_missingWorkingDirectory_reportsWithoutRunning() async {
        let result = await CommandRunner().commandsRun("echo hi", in: "/nonexistent/wamp-push-dir")
        #expect(result == CommandResult(exitStatus: nil, stdout: "",
                                        stderr: "working directory does not exist: /nonexistent/wamp-push-dir",
                                        timedOut: false))
    }

    @Test func run_honoursWorkingDirectory() async throws {
        let dir = try CommandsTempDir()
        defer { dir.remove() }
        try dir.writeScript("here.sh", "echo relative-ok\n")
        let result = await CommandRunner().commandsRun("pwd; sh ./here.sh", in: dir.path)
        #expect(result == CommandResult(exitStatus: 0, stdout: dir.path + "\nrelative-ok\n", stderr: "", timedOut: false))
    }

    @Test func run_directoryWithQuotesAndSpaces_isNotParsedAsShell() async throws {
        let dir = try CommandsTempDir()
        defer { dir.remove() }
        let odd = dir.path + "/it's a \"dir\" $(x)"
        try FileManager.default.createDirectory(atPath: odd, withIntermediateDirectories: true)
        let result = await CommandRunner().commandsRun("pwd", in: odd)
        #expect(result.stdout == odd + "\n")
        #expect(result.exitStatus == 0)
    }

    @Test func run_largeOutput_isDrainedWithoutDeadlockAndCapped() async {
        let result = await CommandRunner().commandsRun(
            "head -c 300000 /dev/zero | tr '\\0' a; head -c 100000 /dev/zero | tr '\\0' b >&2; exit 0")
        #expect(result.exitStatus == 0)
        #expect(result.stdout.utf8.count == CommandRunner.outputLimit)
        #expect(result.stdout.allSatisfy { $0 == "a" })
        #expect(result.stderr.utf8.count == CommandRunner.outputLimit)
    }

    @Test func run_timeout_killsTheWholeProcessGroup() async throws {
        let dir = try CommandsTempDir()
        defer { dir.remove() }
        try dir.writeScript("hang.sh", "echo $$ > hang.pid\nsleep 300 &\necho $! > child.pid\nwait\n")
        let (result, seconds) = await commandsElapsed {
            await CommandRunner().commandsRun("sh ./hang.sh", in: dir.path, timeout: 0.5)
        }
        #expect(result.timedOut)
        #expect(result.exitStatus == 137)
        #expect(seconds >= 0.5 && seconds < 120) // killed, not waited for: the script sleeps 300 s (a loaded machine may be slow)
        let pids = (dir.lines("hang.pid") + dir.lines("child.pid")).compactMap { Int32($0) }
        #expect(pids.count == 2)
        // SIGKILL is delivered at once but the orphaned sleep is reaped by init; allow a moment.
        for pid in pids { #expect(await commandsEventually { !commandsProcessIsAlive(pid) }, "pid \(pid) survived the timeout") }
    }

    @Test func run_returnsBeforeTheCommandFinishes() async {
        let runner = CommandRunner()
        let start = MonotonicSeconds.now()
        let done = AsyncStream<CommandResult>.makeStream()
        runner.run(shellCommand: "sleep 0.5; echo late", workingDirectory: nil, timeout: 5) { result in
            done.continuation.yield(result)
            done.continuation.finish()
        }
        #expect(MonotonicSeconds.now() - start < 0.1)
        var iterator = done.stream.makeAsyncIterator()
        let result = await iterator.next()
        #expect(result?.stdout == "late\n")
    }

    @Test func run_neverExceedsMaxConcurrent() async throws {
        let dir = try CommandsTempDir()
        defer { dir.remove() }
        try dir.writeScript("sleeper.sh", """
            start=$(date +%s%N)
            sleep 0.2
            end=$(date +%s%N)
            echo "$start $end" >> spans.log

            """)
        let runner = CommandRunner(maxConcurrent: 4)
        await withTaskGroup(of: CommandResult.self) { group in
            for _ in 0..<20 { group.addTask { await runner.commandsRun("sh ./sleeper.sh", in: dir.path) } }
            for await result in group { #expect(result.exitStatus == 0) }
        }
        let spans = dir.lines("spans.log").map { $0.split(separator: " ").compactMap { Int($0) } }
        #expect(spans.count == 20)
        // Sweep the start/end events in time order; an end at the same instant counts first.
        let events = spans.flatMap { [($0[0], 1), ($0[1], -1)] }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        var running = 0, peak = 0
        for (_, delta) in events {
            running += delta
            peak = max(peak, running)
        }
        #expect(peak == 4)
        #expect(runner.runningCount == 0)
    }

    @Test func run_refusesAtOnceWhenTheQueueIsFull() async throws {
        let dir = try CommandsTempDir()
        defer { dir.remove() }
        let runner = CommandRunner(maxConcurrent: 1, maxQueued: 1)
        // The first command holds the only slot until the gate file appears, whatever the load.
        let first = CommandsBox<CommandResult>()
        let second = CommandsBox<CommandResult>()
        runner.run(shellCommand: "while [ ! -f gate ]; do sleep 0.02; done; echo first", workingDirectory: dir.path,
                   timeout: 30) { first.set($0) }
        runner.run(shellCommand: "echo second", workingDirectory: dir.path, timeout: 30) { second.set($0) }
        // run() enqueues synchronously, so the queue (limit 1) is full now.
        let refused = runner.runSync(shellCommand: "echo third", workingDirectory: dir.path, timeout: 30)
        #expect(refused == CommandResult(exitStatus: nil, stdout: "", stderr: "too many commands waiting (limit 1)",
                                         timedOut: false, refused: true))
        try dir.writeScript("gate", "")
        #expect(await first.value()?.stdout == "first\n")
        #expect(await second.value()?.stdout == "second\n")
    }

    @Test func run_nonFiniteTimeout_doesNotTrap() async {
        let result = await CommandRunner().commandsRun("echo ok", timeout: .infinity)
        #expect(result.stdout == "ok\n")
        let nan = await CommandRunner().commandsRun("sleep 5", timeout: .nan)
        #expect(nan.timedOut)
    }

    @Test func runSync_returnsTheResult() {
        let result = CommandRunner().runSync(shellCommand: "printf abc", workingDirectory: nil, timeout: 5)
        #expect(result == CommandResult(exitStatus: 0, stdout: "abc", stderr: "", timedOut: false))
    }
}

/// Issue 15, row M1: waiting commands are served round robin by fairness key, each key with its own cap.
@Suite struct CommandsRunnerFairnessTests {
    @Test func waitingCommands_areServedRoundRobinByKey_andEachKeyHasItsCap() async throws {
        let dir = try CommandsTempDir()
        defer { dir.remove() }
        let runner = CommandRunner(maxConcurrent: 1, maxQueued: 100, maxQueuedPerKey: 3)
        let done = CommandsBox<CommandResult>()
        let gated = "while [ ! -f gate ]; do sleep 0.02; done; "
        runner.run(shellCommand: gated + "echo a0 >> order", workingDirectory: dir.path, timeout: 30, fairnessKey: "a") { _ in }
        for i in 1...3 {
            runner.run(shellCommand: "echo a\(i) >> order", workingDirectory: dir.path, timeout: 30, fairnessKey: "a") { _ in }
        }
        // Refused at once, on this thread: key a has three waiting.
        let overflow = CommandsBox<CommandResult>()
        runner.run(shellCommand: "echo a4 >> order", workingDirectory: dir.path, timeout: 30, fairnessKey: "a") { overflow.set($0) }
        let refused = await overflow.value()
        #expect(refused?.refused == true && refused?.stderr == "too many commands waiting (limit 3 per user)")
        runner.run(shellCommand: "echo b1 >> order", workingDirectory: dir.path, timeout: 30, fairnessKey: "b") { _ in }
        runner.run(shellCommand: "echo b2 >> order; echo done", workingDirectory: dir.path, timeout: 30, fairnessKey: "b") { done.set($0) }
        try dir.writeScript("gate", "")
        #expect(await done.value()?.stdout == "done\n")
        #expect(eventually { dir.lines("order").count == 6 })
        #expect(dir.lines("order") == ["a0", "a1", "b1", "a2", "b2", "a3"])
    }
}
