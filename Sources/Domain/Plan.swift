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
    /// A clean-up rule on this plan keeps conversations at least this many days; `nil`: no floor.
    public var minimumRetentionDays: Int?
    /// A clean-up rule on this plan keeps conversations at most this many days; `nil`: no
    /// ceiling. It bounds rules only: without a rule a tenant keeps everything.
    public var maximumRetentionDays: Int?

    public init(code: String, name: String, historyVisibleDays: Int?, exportEnabled: Bool,
                exportRowCap: Int, customRetentionAllowed: Bool,
                minimumRetentionDays: Int? = nil, maximumRetentionDays: Int? = nil) {
        self.code = code
        self.name = name
        self.historyVisibleDays = historyVisibleDays
        self.exportEnabled = exportEnabled
        self.exportRowCap = exportRowCap
        self.customRetentionAllowed = customRetentionAllowed
        self.minimumRetentionDays = minimumRetentionDays
        self.maximumRetentionDays = maximumRetentionDays
    }

    /// Refuses limits the operator cannot mean: out of range, or a floor above the ceiling.
    public func validate() throws {
        guard (0...1_000_000).contains(exportRowCap) else {
            throw ValidationError(field: "exportRowCap", reason: "must be 0 to 1000000")
        }
        for (field, days) in [("historyVisibleDays", historyVisibleDays), ("minimumRetentionDays", minimumRetentionDays),
                              ("maximumRetentionDays", maximumRetentionDays)] {
            if let days, !(1...RetentionRules.maximumDays).contains(days) {
                throw ValidationError(field: field, reason: "must be a whole number of days from 1 to \(RetentionRules.maximumDays), or null for none")
            }
        }
        if let minimum = minimumRetentionDays, let maximum = maximumRetentionDays, minimum > maximum {
            throw ValidationError(field: "minimumRetentionDays",
                                  reason: "\(minimum) days is above the plan's maximum retention of \(maximum) days")
        }
    }

    /// The oldest instant a tenant on this plan may see, or `nil` when nothing is hidden.
    public func visibleSince(now: Date) -> Date? {
        guard let days = historyVisibleDays else { return nil }
        return now.addingTimeInterval(-Double(days) * 86_400)
    }
}
