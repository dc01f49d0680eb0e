/// Input that breaks a rule. `field` is a JSON-pointer-like path to the offending
/// value (`messages[3].text`), so a client can tell which item of a batch to fix.
public struct ValidationError: Error, Sendable, Equatable {
    public let field: String
    public let reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }
}
