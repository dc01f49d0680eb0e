/// Splits a migration file into its statements, so the migrator can send them one at a
/// time: Citus forwards a DDL command's raw query string to the workers, and a string of
/// several statements is refused there (`cannot insert multiple commands into a prepared
/// statement`, CITUS.md).
///
/// A `;` ends a statement only outside string literals (`'…'` with `''`, `E'…'` with
/// backslash escapes), quoted identifiers (`"…"`), dollar-quoted bodies (`$$…$$`,
/// `$tag$…$tag$`; `$1` is a parameter, not a quote) and comments (`--` to the end of the
/// line, nested `/* … */`). Statements holding only white space and comments are dropped.
public enum SQLScript {
    public static func statements(of script: String) -> [String] {
        let scalars = Array(script.unicodeScalars)
        var statements: [String] = []
        var start = 0
        var index = 0
        var hasCode = false

        func isIdentifier(_ scalar: Unicode.Scalar, first: Bool) -> Bool {
            scalar == "_" || scalar.properties.isAlphabetic || (!first && ("0"..."9").contains(scalar))
        }
        func text(_ range: Range<Int>) -> String {
            var string = String.UnicodeScalarView()
            string.append(contentsOf: scalars[range])
            return String(string)
        }
        func matches(_ pattern: [Unicode.Scalar], at position: Int) -> Bool {
            position + pattern.count <= scalars.count && Array(scalars[position..<(position + pattern.count)]) == pattern
        }

        while index < scalars.count {
            let scalar = scalars[index]
            let next: Unicode.Scalar? = index + 1 < scalars.count ? scalars[index + 1] : nil
            switch scalar {
            case "-" where next == "-":
                while index < scalars.count, scalars[index] != "\n" { index += 1 }
                continue
            case "/" where next == "*":
                var depth = 0
                while index < scalars.count {
                    if scalars[index] == "/", index + 1 < scalars.count, scalars[index + 1] == "*" {
                        depth += 1
                        index += 2
                    } else if scalars[index] == "*", index + 1 < scalars.count, scalars[index + 1] == "/" {
                        depth -= 1
                        index += 2
                        if depth == 0 { break }
                    } else {
                        index += 1
                    }
                }
                continue
            case "'":
                // E'…' (written just before) allows backslash escapes.
                let escapes = index > 0 && (scalars[index - 1] == "E" || scalars[index - 1] == "e")
                    && (index < 2 || !isIdentifier(scalars[index - 2], first: false))
                hasCode = true
                index += 1
                while index < scalars.count {
                    if escapes, scalars[index] == "\\" { index += 2; continue }
                    if scalars[index] == "'" {
                        if index + 1 < scalars.count, scalars[index + 1] == "'" { index += 2; continue }
                        break
                    }
                    index += 1
                }
                index += 1
                continue
            case "\"":
                hasCode = true
                index += 1
                while index < scalars.count {
                    if scalars[index] == "\"" {
                        if index + 1 < scalars.count, scalars[index + 1] == "\"" { index += 2; continue }
                        break
                    }
                    index += 1
                }
                index += 1
                continue
            case "$" where !(index > 0 && isIdentifier(scalars[index - 1], first: false)):
                // $tag$ or $$; `$1` (a parameter) and `a$b` (an identifier) are not quotes.
                var end = index + 1
                while end < scalars.count, isIdentifier(scalars[end], first: end == index + 1) { end += 1 }
                if end < scalars.count, scalars[end] == "$" {
                    let tag = Array(scalars[index...end])
                    hasCode = true
                    index = end + 1
                    while index < scalars.count, !matches(tag, at: index) { index += 1 }
                    index += tag.count
                    continue
                }
                hasCode = true
                index += 1
                continue
            case ";":
                if hasCode { statements.append(text(start..<(index + 1)).trimmed) }
                index += 1
                start = index
                hasCode = false
                continue
            default:
                if !scalar.properties.isWhitespace { hasCode = true }
                index += 1
            }
        }
        if hasCode { statements.append(text(start..<min(index, scalars.count)).trimmed) }
        return statements
    }
}

private extension String {
    var trimmed: String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
