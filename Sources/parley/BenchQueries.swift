import Foundation
import Search
import Store

/// A keyword the search benchmark runs, and what kind of query it is.
struct BenchQuery: Sendable, Hashable {
    enum Kind: Sendable, Hashable, CustomStringConvertible {
        /// Chinese characters only, of this length.
        case cjk(Int)
        case orderNumber
        case latin

        var description: String {
            switch self {
            case .cjk(let length): return "CJK-\(length)"
            case .orderNumber: return "order no."
            case .latin: return "English"
            }
        }
    }

    let text: String
    let kind: Kind
    /// Why it was picked: "common"/"rare" from the vocabulary, "sampled", or "given".
    let origin: String

    init(_ text: String, origin: String) {
        self.text = text
        self.origin = origin
        if !text.isEmpty, text.unicodeScalars.allSatisfy(BenchQuery.isHan) {
            kind = .cjk(text.count)
        } else if text.wholeMatch(of: /DD[0-9]{10}/) != nil {
            kind = .orderNumber
        } else {
            kind = .latin
        }
    }

    var isCJK: Bool { if case .cjk = kind { return true } else { return false } }

    /// The modes to time: exact (a phrase) always; fuzzy, the API's default, too when it
    /// makes a different tsquery (more than one token).
    var modes: [SearchMode] {
        guard let exact = try? SearchQuery(text, mode: .exact), let fuzzy = try? SearchQuery(text, mode: .fuzzy) else { return [] }
        return exact.tsquery == fuzzy.tsquery ? [.exact] : [.exact, .fuzzy]
    }

    /// `ILIKE` pattern for "body contains the text", with LIKE's wildcards escaped.
    var containsPattern: String {
        "%" + CustomerRepository.escapeLike(text) + "%"
    }

    static func isHan(_ scalar: Unicode.Scalar) -> Bool {
        (0x3400...0x4DBF).contains(scalar.value) || (0x4E00...0x9FFF).contains(scalar.value)
            || (0xF900...0xFAFF).contains(scalar.value) || (0x20000...0x2FA1F).contains(scalar.value)
    }

    /// Placeholder in `--queries` for "an order number found in each tenant's own data".
    static let orderPlaceholder = "@order"

    /// The default set: for 1, 2, 4 and 6 characters a common and a rare Chinese phrase
    /// from the generator's vocabulary, an English word, and an order number.
    static let defaults: [BenchQuery] = [
        BenchQuery(BenchTerms.common1, origin: "common"), BenchQuery(BenchTerms.rare1, origin: "rare"),
        BenchQuery(BenchTerms.common2, origin: "common"), BenchQuery(BenchTerms.rare2, origin: "rare"),
        BenchQuery(BenchTerms.common4, origin: "common"), BenchQuery(BenchTerms.rare4, origin: "rare"),
        BenchQuery(BenchTerms.common6, origin: "common"), BenchQuery(BenchTerms.rare6, origin: "rare"),
        BenchQuery(BenchTerms.englishWord, origin: "common"), BenchQuery(orderPlaceholder, origin: "rare"),
    ]

    /// Substrings of Chinese runs of `bodies`, lengths cycling 1…8, for the agreement sweep:
    /// arbitrary phrases users could type, not only the vocabulary's.
    static func samples(from bodies: [String], count: Int, random: inout SeededRandom) -> [BenchQuery] {
        let runs: [[Character]] = bodies.flatMap { body -> [[Character]] in
            var runs: [[Character]] = []
            var current: [Character] = []
            for character in body {
                if character.unicodeScalars.count == 1, isHan(character.unicodeScalars.first!) {
                    current.append(character)
                } else if !current.isEmpty {
                    runs.append(current)
                    current = []
                }
            }
            if !current.isEmpty { runs.append(current) }
            return runs
        }
        guard !runs.isEmpty else { return [] }
        var samples: [BenchQuery] = []
        var seen: Set<String> = []
        var attempts = 0
        while samples.count < count, attempts < count * 50 {
            attempts += 1
            let length = samples.count % 8 + 1
            let run = runs[random.next(below: runs.count)]
            guard run.count >= length else { continue }
            let start = random.next(below: run.count - length + 1)
            let text = String(run[start..<(start + length)])
            if seen.insert(text).inserted { samples.append(BenchQuery(text, origin: "sampled")) }
        }
        return samples
    }
}
