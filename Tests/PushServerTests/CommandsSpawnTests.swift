import Foundation
@testable import PushBroker
import Testing

/// The server runs two command pools (token verifier, access checks); a child of one must
/// never hold the other's output pipes, or that pool's reads see EOF only when it exits.
@Suite struct CommandsSpawnTests {
    /// A child lists its open descriptors: `N -> target` per line, its own stdout and stderr first.
    static let report = #"ls -l /proc/$$/fd"#

    /// Runs `count` reports spread over two pools; returns the pipes some child held besides
    /// its own stdout and stderr that were another child's stdout or stderr.
    static func crossPoolPipes(_ pools: [CommandRunner], count: Int) async -> [String] {
        let outputs = await withTaskGroup(of: String.self) { group -> [String] in
            for i in 0..<count {
                let pool = pools[i % pools.count]
                group.addTask { await pool.commandsRun(Self.report).stdout }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        // "lr-x------ 1 u g 64 Dec  7 05:00 3 -> pipe:[123]" → ("3", "pipe:[123]")
        let fds = outputs.map { output in
            output.split(separator: "\n").compactMap { line -> (fd: String, target: String)? in
                let parts = line.split(separator: " ")
                guard let arrow = parts.firstIndex(of: "->"), arrow > 0, arrow + 1 < parts.count else { return nil }
                return (String(parts[arrow - 1]), String(parts[arrow + 1]))
            }
        }
        let own = Set(fds.flatMap { $0.filter { $0.fd == "1" || $0.fd == "2" }.map(\.target) })
        return fds.flatMap { $0.filter { !["0", "1", "2"].contains($0.fd) }.map(\.target) }.filter(own.contains)
    }

    @Test func twoPools_childrenNeverInheritTheOtherPoolsPipes() async {
        let pools = [CommandRunner(maxConcurrent: 8), CommandRunner(maxConcurrent: 8)]
        // The window is a few instructions wide: try many spawns, stop at the first leak.
        var leaked: [String] = []
        for _ in 0..<10 where leaked.isEmpty { leaked = await Self.crossPoolPipes(pools, count: 400) }
        #expect(leaked == [])
    }

    @Test func aLongChildOfOnePool_doesNotHoldUpTheOtherPool() async throws {
        let dir = try CommandsTempDir()
        defer { dir.remove() }
        let a = CommandRunner(maxConcurrent: 2)
        let b = CommandRunner(maxConcurrent: 2)
        let long = CommandsBox<CommandResult>()
        // Runs until the test creates `release`: it outlives everything pool B does.
        a.run(shellCommand: "echo started > started; while [ ! -e release ]; do sleep 0.02; done; echo a",
              workingDirectory: dir.path, timeout: 600) { long.set($0) } // ended by `release`, not by this
        #expect(await commandsEventually { dir.exists("started") })
        for _ in 0..<20 {
            #expect(await b.commandsRun("echo b").stdout == "b\n")
        }
        #expect(long.current() == nil) // B's results all came back while A's child still ran
        try "".write(toFile: dir.path + "/release", atomically: true, encoding: .utf8)
        #expect(await long.value()?.stdout == "a\n")
    }
}
