import Foundation

/// The recycle bin's rule (PRODUCT.md §6): what a supervisor or agent deletes stays
/// restorable by an admin for 30 days, then the worker purges it.
public enum RecycleBin {
    public static let restoreDays = 30

    public static func purgeAfter(deletedAt: Date) -> Date {
        deletedAt.addingTimeInterval(Double(restoreDays) * 86_400)
    }

    /// Restorable until the purge is due, whether or not the worker has run yet.
    public static func mayRestore(purgeAfter: Date, now: Date) -> Bool { now < purgeAfter }
}
