/// Roles every tenant has. Custom roles narrow or widen the department scope on top.
public enum UserRole: String, Codable, Sendable, CaseIterable {
    case agent, supervisor, admin
}

/// The channels customers reach a tenant through; all aggregate into one history.
public enum Channel: String, Codable, Sendable, CaseIterable {
    case web, wechat, douyin, app, miniprogram, email
}

public enum ConversationStatus: String, Codable, Sendable, CaseIterable {
    case ongoing, ended, archived, deleted
}

public enum MessageKind: String, Codable, Sendable, CaseIterable {
    case text, image, file, link, voice, event
}

public enum SenderSide: String, Codable, Sendable, CaseIterable {
    case customer, agent, bot, system
}

public enum Satisfaction: String, Codable, Sendable, CaseIterable {
    case good, neutral, bad
}

/// Permissions a custom role may grant on top of its base role.
public enum Permission: String, Codable, Sendable, CaseIterable {
    /// See customers' phone numbers and e-mail addresses unmasked.
    case viewContactDetails = "contacts.view_unmasked"
    /// Move conversations they can see to the recycle bin (supervisors may without it).
    case deleteConversations = "conversations.delete"
}
