/// Builds shell command lines from templates the way EspoCRM does, without its injection risks.
public enum ShellEscape {
    /// Quotes `s` as one `/bin/sh` word: single quotes, each embedded `'` written as `'\''`.
    /// NUL bytes are dropped because a C argument string would end at them.
    public static func quote(_ s: String) -> String {
        var out = "'"
        for ch in s.unicodeScalars {
            switch ch {
            case "'": out += "'\\''"
            case "\0": continue
            default: out.unicodeScalars.append(ch)
            }
        }
        out += "'"
        return out
    }

    /// Replaces each `:name` placeholder whose name is a key of `values` with the quoted value.
    ///
    /// A placeholder is `:` followed by the longest `[A-Za-z_][A-Za-z0-9_]*` run, so `:userIdx` is
    /// never split into `:userId` + `x`; names absent from `values` stay as written. Substituted
    /// text is not scanned again, so a value containing `:other` cannot inject a second placeholder.
    public static func substitute(_ template: String, _ values: [String: String]) -> String {
        let scalars = Array(template.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            let ch = scalars[i]
            guard ch == ":", i + 1 < scalars.count, isNameStart(scalars[i + 1]) else {
                out.append(ch)
                i += 1
                continue
            }
            var end = i + 2
            while end < scalars.count, isNameContinue(scalars[end]) { end += 1 }
            let name = String(String.UnicodeScalarView(scalars[(i + 1)..<end]))
            if let value = values[name] {
                out.append(contentsOf: quote(value).unicodeScalars)
            } else {
                out.append(contentsOf: scalars[i..<end])
            }
            i = end
        }
        return String(out)
    }

    private static func isNameStart(_ c: Unicode.Scalar) -> Bool {
        (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || c == "_"
    }

    private static func isNameContinue(_ c: Unicode.Scalar) -> Bool {
        isNameStart(c) || (c >= "0" && c <= "9")
    }
}
