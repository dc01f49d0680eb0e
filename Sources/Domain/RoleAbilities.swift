/// What each role may do, as named rules: routes and the store ask these, never
/// `role == .admin` themselves, so a rule changes in one place.
public enum RoleAbilities {
    /// Only admins manage departments, users, roles, API keys and the tag library.
    public static func mayAdminister(_ role: UserRole) -> Bool { role == .admin }

    /// Admins see every conversation of the tenant; others see their departments or their own.
    public static func seesWholeTenant(_ role: UserRole) -> Bool { role == .admin }

    /// Phone numbers and e-mail addresses in full, rather than masked (PRODUCT.md §6).
    public static func seesContactDetails(_ role: UserRole, permissions: Set<Permission>) -> Bool {
        role == .admin || permissions.contains(.viewContactDetails)
    }

    /// The rating is the customer's and feeds agents' statistics: channels report it and
    /// admins may correct it; agents and supervisors may not rate their own work.
    public static func mayChangeRatings(_ role: UserRole) -> Bool { role == .admin }

    /// A locked note is one only admins may edit; only they lock and unlock it.
    public static func mayLockNotes(_ role: UserRole) -> Bool { role == .admin }

    /// A role may export what it may read (agents their own conversations, others their
    /// scope: row-level security decides) if the tenant's admins let that role export
    /// (`TenantLimits.exportRoles`; every role by default); the plan decides whether export exists.
    public static func mayExport(_ role: UserRole, exportRoles: Set<UserRole>) -> Bool { exportRoles.contains(role) }

    /// Batch archive, delete and export over a selection or a filter: admins only (PRODUCT.md §6).
    public static func mayRunBatchOperations(_ role: UserRole) -> Bool { role == .admin }

    /// A supervisor's delete — or an agent's whose custom role grants `conversations.delete` —
    /// moves the conversation to the recycle bin, for an admin to restore within 30 days.
    public static func mayBinConversations(_ role: UserRole, permissions: Set<Permission>) -> Bool {
        role == .supervisor || permissions.contains(.deleteConversations)
    }

    /// An admin's delete is final (no bin); only admins list the bin and restore from it.
    public static func deletesFinally(_ role: UserRole) -> Bool { role == .admin }
    public static func managesRecycleBin(_ role: UserRole) -> Bool { role == .admin }

    /// Erasing a customer's data on request deletes what no one can restore: admins only.
    public static func mayEraseCustomers(_ role: UserRole) -> Bool { role == .admin }

    /// Everything about one customer in one file, contacts unmasked: admins only.
    public static func mayExportCustomerData(_ role: UserRole) -> Bool { role == .admin }

    /// A tenant's own limits (export row cap, who exports, history per role) are its admins' to set.
    public static func managesLimits(_ role: UserRole) -> Bool { role == .admin }

    /// Whether the tenant requires two-step sign-in, and resetting a user's second step
    /// (a lost phone), are its admins' to decide.
    public static func managesSignInRules(_ role: UserRole) -> Bool { role == .admin }

    /// Joining two customer profiles, and splitting an identity off one, are admins' work.
    public static func mayMergeCustomers(_ role: UserRole) -> Bool { role == .admin }

    /// Admins list and manage every export and schedule of the tenant; others their own.
    public static func managesEveryonesExports(_ role: UserRole) -> Bool { role == .admin }

    /// Scheduled exports run unattended, period after period: only admins set them up, and a
    /// schedule whose owner is no longer an admin stops running.
    public static func mayScheduleExports(_ role: UserRole) -> Bool { role == .admin }

    /// Clean-up rules and legal holds decide what the tenant keeps: admins only (PRODUCT.md §6).
    public static func managesRetention(_ role: UserRole) -> Bool { role == .admin }
}
