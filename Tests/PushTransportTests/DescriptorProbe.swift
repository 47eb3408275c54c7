import Foundation

/// Counts this process's open socket descriptors bound to a local TCP port, by matching
/// /proc/self/fd socket inodes against /proc/net/tcp{,6}.
enum DescriptorProbe {
    static func serverSockets(localPort: UInt16) -> Int {
        let inodes = tcpInodes(localPort: localPort)
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return -1 }
        var count = 0
        for entry in entries {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(entry)"),
                  target.hasPrefix("socket:["), target.hasSuffix("]") else { continue }
            let inode = String(target.dropFirst(8).dropLast())
            if inodes.contains(inode) { count += 1 }
        }
        return count
    }

    private static func tcpInodes(localPort: UInt16) -> Set<String> {
        var out = Set<String>()
        let portHex = String(format: ":%04X", localPort)
        for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let cols = line.split(separator: " ", omittingEmptySubsequences: true)
                guard cols.count > 9, cols[1].hasSuffix(portHex), cols[9] != "0" else { continue }
                out.insert(String(cols[9]))
            }
        }
        return out
    }
}
