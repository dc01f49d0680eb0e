import Foundation

/// Sampling on top of `SeededRandom`, for the synthetic corpus: the same seed gives the
/// same tenants, conversations and texts on every machine.
extension SeededRandom {
    /// A uniform value in [0, 1), from the top 53 bits (a Double's precision).
    mutating func unit() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }

    mutating func chance(_ probability: Double) -> Bool {
        unit() < probability
    }

    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + next(below: range.count)
    }

    mutating func pick<Element>(_ elements: [Element]) -> Element {
        elements[next(below: elements.count)]
    }

    /// An index into a popularity-ordered list of `count` entries: 0 most often, the
    /// last rarely (weights 1/(rank+1)^exponent, through a cumulative table).
    mutating func zipfIndex(_ table: ZipfTable) -> Int {
        table.index(for: unit())
    }

    /// `count` decimal digits.
    mutating func digits(_ count: Int) -> String {
        var text = ""
        text.reserveCapacity(count)
        for _ in 0..<count { text.append(Character(Unicode.Scalar(UInt8(48 + next(below: 10))))) }
        return text
    }
}

/// Cumulative Zipf weights over a list, built once and shared (read-only, so `Sendable`).
struct ZipfTable: Sendable {
    private let cumulative: [Double]

    init(count: Int, exponent: Double) {
        precondition(count > 0, "a Zipf table needs at least one entry")
        var running = 0.0
        var cumulative: [Double] = []
        cumulative.reserveCapacity(count)
        for rank in 1...count {
            running += 1 / pow(Double(rank), exponent)
            cumulative.append(running)
        }
        self.cumulative = cumulative.map { $0 / running }
    }

    func index(for unit: Double) -> Int {
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] > unit { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
