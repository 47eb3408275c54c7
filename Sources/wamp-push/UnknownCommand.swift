import ArgumentParser
import PushCodec
import PushServer

/// A mistyped command name, caught before ArgumentParser sees it: serve is the default
/// subcommand, so `wamp-push publsh --topic x` would otherwise be parsed as serve and answered
/// with serve's usage, which never says that `publsh` is not a command.
enum UnknownCommand {
    /// The one-line complaint about the first word that names no subcommand, or nil when every
    /// leading word does. Walking stops at the first option (`-...`) and at a command without
    /// subcommands, whose own words are ArgumentParser's to judge. This holds because no command
    /// with subcommands, nor serve (the default), takes a positional argument.
    static func check(_ arguments: [String], root: any ParsableCommand.Type = WampPush.self) -> String? {
        var words = arguments[...]
        if words.first == "help" { words = words.dropFirst() } // `help <command>` names commands too
        var command = root
        var path: [String] = []
        for word in words {
            let subcommands = command.configuration.subcommands
            guard !subcommands.isEmpty, !word.hasPrefix("-"), word != "help" else { return nil }
            if let next = subcommands.first(where: { names($0).contains(word) }) {
                command = next
                path.append(word)
                continue
            }
            let known = subcommands.flatMap { names($0) } + (path.isEmpty ? ["help"] : [])
            let typed = (path + [word]).joined(separator: " ")
            if let guess = Suggestion.closest(to: word, among: known) {
                return "unknown command '\(typed)'; did you mean '\((path + [guess]).joined(separator: " "))'?"
            }
            let list = subcommands.map { $0._commandName }.joined(separator: ", ")
            return "unknown command '\(typed)' (commands: \(list); see 'wamp-push \((path + ["--help"]).joined(separator: " "))')"
        }
        return nil
    }

    private static func names(_ command: any ParsableCommand.Type) -> [String] {
        [command._commandName] + command.configuration.aliases
    }
}
