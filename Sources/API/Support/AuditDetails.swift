/// Details the audit trail records the same way wherever they occur.
enum AuditDetails {
    /// Whether the viewer saw phone numbers and e-mail addresses in full (an unmasked read) or masked.
    static func contacts(unmasked: Bool) -> [String: String] {
        ["contacts": unmasked ? "unmasked" : "masked"]
    }
}
