/// "Did you mean ...?" for a mistyped name: the closest known name by edit distance, compared
/// case-insensitively (so `Whatsapp` finds `WhatsApp` and `listners` finds `listeners`).
public enum Suggestion {
    /// The known name closest to `typed`, when it is close enough to be a typo: at most a third of
    /// its length in edits (at least 1, at most 3). Ties go to the alphabetically first name.
    /// Nothing is suggested for input longer than `maxTypedBytes` (nor compared with a known
    /// name that long): the edit distance costs the product of the two lengths, and input may
    /// come from a network peer.
    public static func closest(to typed: String, among known: some Sequence<String>) -> String? {
        guard typed.utf8.count <= maxTypedBytes else { return nil }
        let limit = max(1, min(3, typed.count / 3))
        let lowered = typed.lowercased()
        var best: (name: String, distance: Int)?
        for name in known.sorted() where name != typed && name.utf8.count <= maxTypedBytes {
            let d = distance(lowered, name.lowercased())
            if d <= limit && d < (best?.distance ?? Int.max) { best = (name, d) }
        }
        return best?.name
    }

    /// The longest input (UTF-8 bytes) a suggestion is looked for.
    public static let maxTypedBytes = 64

    /// ` (did you mean "x"?)`, or empty when nothing is close.
    public static func didYouMean(_ typed: String, among known: some Sequence<String>) -> String {
        closest(to: typed, among: known).map { " (did you mean \"\($0)\"?)" } ?? ""
    }

    /// Levenshtein distance over Characters (insertions, deletions, substitutions cost 1).
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
