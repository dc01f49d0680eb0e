import Domain
import Foundation
import Search

/// "The conversations matching a filter", as one value: what `GET /v1/conversations`
/// lists for these parameters, and what an export of the same filter holds. The list
/// route and the export worker both resolve it here, so the two cannot drift.
///
/// Codable: an export job keeps it (as jsonb) and resolves it when it runs, under the
/// requester's scope.
public struct ConversationQuery: Sendable, Equatable, Codable {
    /// Conditions on the conversation itself (time, channel, agent, department, …).
    public var filter: ConversationFilter
    /// Contact filters, resolved to customer ids (exact phone or e-mail, name prefix).
    public var customerPhone: String?
    public var customerEmail: String?
    public var customerName: String?
    /// Conversations holding a message that matches this keyword.
    public var keyword: String?
    public var keywordMode: String?

    public init(filter: ConversationFilter = ConversationFilter(), customerPhone: String? = nil, customerEmail: String? = nil,
                customerName: String? = nil, keyword: String? = nil, keywordMode: SearchMode? = nil) {
        self.filter = filter
        self.customerPhone = customerPhone
        self.customerEmail = customerEmail
        self.customerName = customerName
        self.keyword = keyword
        self.keywordMode = keywordMode?.rawValue
    }

    /// Matching customers considered for a contact filter.
    public static let customerBound = 10_000
    /// Keyword matches (messages) considered when listing conversations that contain a keyword.
    public static let keywordMatchBound = 5_000

    public var searchQuery: SearchQuery? {
        get throws {
            guard let keyword else { return nil }
            let mode = keywordMode.flatMap(SearchMode.init(rawValue:)) ?? .fuzzy
            do {
                return try SearchQuery(keyword, mode: mode)
            } catch {
                throw ValidationError(field: "q", reason: "the keyword has no letters, digits or characters to search for")
            }
        }
    }

    /// The filter with contact details and keyword resolved to ids, inside `tx` (the
    /// caller's scope decides which customers and messages count). A step that met its
    /// bound says so in `capped`: the list then shows a subset, and an export refuses.
    ///
    /// - Parameters: customerBound, keywordMatchBound: the bounds (tests use small ones).
    public func resolve(_ tx: Transaction, tenantID: UUID, customerBound: Int = Self.customerBound,
                        keywordMatchBound: Int = Self.keywordMatchBound) async throws -> ResolvedConversationQuery {
        var resolved = filter
        var capped: [CappedStep] = []
        if customerPhone != nil || customerEmail != nil || customerName != nil {
            let ids = try await CustomerRepository(tx, tenantID: tenantID)
                .ids(phone: customerPhone, email: customerEmail, name: customerName, limit: customerBound + 1)
            if ids.count > customerBound { capped.append(CappedStep(step: .customers, bound: customerBound)) }
            resolved.customerIDs = Array(ids.prefix(customerBound))
        }
        if let query = try searchQuery {
            // from/to are the conversation's start; a matching message may come later than
            // `to`, never earlier than `from` (a conversation starts with its first message),
            // so only `from` bounds the messages searched.
            var messages = resolved
            messages.to = nil
            let (ids, reachedBound) = try await SearchRepository(tx, tenantID: tenantID)
                .conversationIDs(matching: query, filter: messages, bound: keywordMatchBound)
            if reachedBound { capped.append(CappedStep(step: .keyword, bound: keywordMatchBound)) }
            let matching = Set(ids)
            resolved.conversationIDs = resolved.conversationIDs.map { chosen in chosen.filter(matching.contains) } ?? ids
        }
        return ResolvedConversationQuery(filter: resolved, capped: capped)
    }
}

public struct ResolvedConversationQuery: Sendable {
    public var filter: ConversationFilter
    /// Steps that met their bound; empty when the filter is exact.
    public var capped: [CappedStep]
}

/// A resolution step that considered only its first `bound` matches.
public struct CappedStep: Sendable, Equatable, Codable {
    public enum Step: String, Sendable, Codable {
        /// Customers matching the contact filters.
        case customers
        /// Messages matching the keyword.
        case keyword
    }
    public let step: Step
    public let bound: Int

    public var explanation: String {
        switch step {
        case .customers: "more than \(bound) customers match the contact filters; only the first \(bound) were considered"
        case .keyword: "more than \(bound) messages match the keyword; only conversations of the newest \(bound) were considered"
        }
    }
}
