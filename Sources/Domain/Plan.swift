import Foundation

/// A plan and its limits (PRODUCT.md §2). Set by the platform operator.
public struct Plan: Sendable, Equatable, Codable {
    public var code: String
    public var name: String
    /// Days of history a tenant on this plan can see; `nil` means all of it.
    public var historyVisibleDays: Int?
    public var exportEnabled: Bool
    public var exportRowCap: Int
    public var customRetentionAllowed: Bool

    public init(code: String, name: String, historyVisibleDays: Int?, exportEnabled: Bool,
                exportRowCap: Int, customRetentionAllowed: Bool) {
        self.code = code
        self.name = name
        self.historyVisibleDays = historyVisibleDays
        self.exportEnabled = exportEnabled
        self.exportRowCap = exportRowCap
        self.customRetentionAllowed = customRetentionAllowed
    }

    /// The oldest instant a tenant on this plan may see, or `nil` when nothing is hidden.
    public func visibleSince(now: Date) -> Date? {
        guard let days = historyVisibleDays else { return nil }
        return now.addingTimeInterval(-Double(days) * 86_400)
    }
}
