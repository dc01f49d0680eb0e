extension AsyncSequence {
    /// Every element, in order. For result sets bounded by a LIMIT or by their nature.
    public func all() async throws -> [Element] {
        var elements: [Element] = []
        for try await element in self { elements.append(element) }
        return elements
    }
}
