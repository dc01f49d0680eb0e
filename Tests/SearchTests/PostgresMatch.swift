import Search
import Testing

/// Does PostgreSQL's `vector @@ query` hold, for a vector literal of `SearchVector` and a
/// tsquery of `SearchQuery`? A model of what the database does with what this module
/// sends it, so the tests can check a stored text against a query without a database:
/// - tsvector input caps positions at 16,383 and keeps a lexeme's first 256 distinct positions;
/// - lexemes compare as bytes, `:*` by the first bytes;
/// - `a <N> b` holds at b's positions that are N after a position of a, left to right;
/// - `&` needs every operand somewhere.
/// Only the shapes `SearchQuery` builds are read: one operator kind per query. Literals are
/// read by scalar, not by Character: a lexeme may begin with a combining mark.
enum PostgresMatch {
    static func matches(_ query: SearchQuery, storedText: String) -> Bool {
        matches(query.tsquery, vector: SearchVector.literal(for: storedText))
    }

    static func matches(_ tsquery: String, vector: String) -> Bool {
        let lexemes = parseVector(vector)
        // Each operand's positions, and its distance from the previous one (`<N>`).
        var operands: [(positions: Set<Int>, distance: Int)] = []
        var conjunction = false
        var distance = 0
        var rest = Substring(tsquery).unicodeScalars
        while let first = rest.first {
            switch first {
            case " ":
                rest = rest.dropFirst()
            case "'":
                let lexeme = readQuoted(&rest)
                let prefix = rest.starts(with: ":*".unicodeScalars)
                if prefix { rest = rest.dropFirst(2) }
                let positions = lexemes
                    .filter { prefix ? $0.key.utf8.starts(with: lexeme.utf8) : $0.key.utf8.elementsEqual(lexeme.utf8) }
                    .values.reduce(into: Set<Int>()) { $0.formUnion($1) }
                operands.append((positions, distance))
            case "&":
                conjunction = true
                rest = rest.dropFirst()
            case "<":
                let inside = String(rest.dropFirst().prefix { $0 != ">" })
                distance = inside == "-" ? 1 : Int(inside)!
                rest = rest.dropFirst(inside.unicodeScalars.count + 2)
            default:
                Issue.record("unexpected tsquery text: \(String(rest))")
                return false
            }
        }
        guard let head = operands.first else { return false }
        if conjunction { return operands.allSatisfy { !$0.positions.isEmpty } }
        var phrase = head.positions
        for operand in operands.dropFirst() {
            phrase = operand.positions.filter { phrase.contains($0 - operand.distance) }
        }
        return !phrase.isEmpty
    }

    /// Lexeme → positions, as PostgreSQL stores them.
    static func parseVector(_ literal: String) -> [String: Set<Int>] {
        var result: [String: Set<Int>] = [:]
        var rest = Substring(literal).unicodeScalars
        while let first = rest.first {
            if first == " " {
                rest = rest.dropFirst()
                continue
            }
            let lexeme = readQuoted(&rest)
            precondition(rest.first == ":", "a position list follows each lexeme")
            let list = String(rest.dropFirst().prefix { $0 != " " })
            rest = rest.dropFirst(list.unicodeScalars.count + 1)
            let positions = Set(list.split(separator: ",").map { min(Int($0)!, 16_383) }).sorted().prefix(256)
            result[lexeme] = Set(positions)
        }
        return result
    }

    /// `'…'` with `''` and `\` escapes.
    private static func readQuoted(_ rest: inout Substring.UnicodeScalarView) -> String {
        precondition(rest.first == "'")
        var scalars = String.UnicodeScalarView()
        rest = rest.dropFirst()
        while let scalar = rest.first {
            rest = rest.dropFirst()
            if scalar == "\\", let next = rest.first {
                scalars.append(next)
                rest = rest.dropFirst()
            } else if scalar == "'" {
                guard rest.first == "'" else { break }
                scalars.append("'")
                rest = rest.dropFirst()
            } else {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }
}
