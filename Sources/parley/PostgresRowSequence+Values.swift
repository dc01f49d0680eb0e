import PostgresNIO

extension AsyncSequence {
    /// Every element, in order: for the small, LIMIT-bounded results of the seeder and the benchmark
    /// (Store has the same helper, internal to it).
    func values() async throws -> [Element] {
        var values: [Element] = []
        for try await value in self { values.append(value) }
        return values
    }
}
