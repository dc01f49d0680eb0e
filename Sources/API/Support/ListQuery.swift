import Domain
import Foundation
import Hummingbird
import Search
import Store

/// The filters shared by the conversation list and message search, as parsed from
/// the query string: time (preset or from/to), channel, agent, department, status,
/// customer contact details, and a keyword.
struct ListQuery: Sendable {
    var filter = ConversationFilter()
    var keyword: SearchQuery?
    var customerPhone: String?
    var customerEmail: String?
    var customerName: String?
    /// `query.` or `filter.`: where error fields point.
    var fieldPrefix = "query."

    /// - Parameter caller: for `starred=true` (stars are personal).
    init(_ request: Request, now: Date, keywordRequired: Bool, caller: UUID? = nil) throws {
        try self.init(QueryParameters(request), now: now, keywordRequired: keywordRequired, caller: caller)
    }

    /// The parameters of `GET /v1/conversations`, the same rules wherever they come from.
    init(_ query: QueryParameters, now: Date, keywordRequired: Bool, caller: UUID? = nil) throws {
        fieldPrefix = query.fieldPrefix
        if let preset = try query.string("preset") {
            guard try query.string("from") == nil, try query.string("to") == nil else {
                throw APIError.badRequest("use either preset or from/to", field: query.field("preset"))
            }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            switch preset {
            case "today": filter.from = calendar.startOfDay(for: now)
            case "7d": filter.from = now.addingTimeInterval(-7 * 86_400)
            case "30d": filter.from = now.addingTimeInterval(-30 * 86_400)
            default: throw APIError.badRequest("must be one of: today, 7d, 30d", field: query.field("preset"))
            }
        } else {
            filter.from = try query.date("from")
            filter.to = try query.date("to")
            if let from = filter.from, let to = filter.to, from >= to {
                throw APIError.badRequest("must be later than from", field: query.field("to"))
            }
        }
        filter.channel = try query.enumeration("channel", as: Domain.Channel.self)
        filter.status = try query.enumeration("status", as: ConversationStatus.self)
        filter.agentID = try query.uuid("agentId")
        filter.departmentID = try query.uuid("departmentId")
        filter.tagIDs = try query.uuidList("tagIds", maximum: 10)
        if let satisfaction = try query.string("satisfaction") {
            guard ["good", "neutral", "bad", "none"].contains(satisfaction) else {
                throw APIError.badRequest("must be one of: good, neutral, bad, none", field: query.field("satisfaction"))
            }
            filter.satisfaction = satisfaction
        }
        filter.hasAttachment = try query.boolean("hasAttachment")
        customerPhone = try query.string("customerPhone", maxLength: 32)
        customerEmail = try query.string("customerEmail", maxLength: 254)
        customerName = try query.string("customerName", maxLength: 200)

        if try query.boolean("starred") == true { filter.starredBy = caller }
        let mode = try query.enumeration("mode", as: SearchMode.self) ?? .fuzzy
        if let text = try query.string("q", maxLength: SearchQuery.maxLength) {
            do {
                keyword = try SearchQuery(text, mode: mode)
            } catch .empty {
                throw APIError.badRequest("the keyword has no letters, digits or characters to search for", field: query.field("q"))
            } catch .tooLong {
                throw APIError.badRequest("at most \(SearchQuery.maxLength) characters", field: query.field("q"))
            }
        } else if keywordRequired {
            throw APIError.badRequest("give a keyword to search for", field: query.field("q"))
        }
    }

    /// A phone filter with no wildcards, or with wildcards exactly where `ContactMasking` hides
    /// digits of the number's lookup form (`ContactNormalisation`: `+86 138****5678` too).
    static func isFullOrMasked(_ phone: String) -> Bool {
        let characters = Array(ContactNormalisation.maskedPhoneFilter(phone))
        guard characters.contains("*") else { return true }
        guard characters.count >= 7 else { return false }
        let hidden = ((characters.count - 4) / 2)..<((characters.count - 4) / 2 + 4)
        return characters.indices.allSatisfy { hidden.contains($0) == (characters[$0] == "*") }
    }

    /// The conversation list's meaning of these parameters, as Store resolves it for the
    /// list and for exports alike.
    var conversationQuery: ConversationQuery {
        var query = ConversationQuery(filter: filter, customerPhone: customerPhone, customerEmail: customerEmail,
                                      customerName: customerName)
        query.keyword = keyword?.text
        query.keywordMode = keyword?.mode.rawValue
        return query
    }

    /// Checks the contact filters against the caller's rights, inside their transaction.
    /// A full phone number or an e-mail is a lookup by contact: audited and throttled for
    /// users who see contact details masked (`Services.admitContactLookup`).
    func admitContactFilters(_ tx: Transaction, user: ResolvedUser, services: Services) async throws {
        if let phone = customerPhone {
            // Phones are stored encrypted and found by keyed hash: of the whole number, or of
            // the masked form Parley shows — no other partial number can be matched. For those
            // who see numbers masked this is also what keeps free wildcards from recovering
            // the hidden digits one guess at a time.
            guard Self.isFullOrMasked(phone) else {
                throw APIError.badRequest("give the full number, or the masked form as shown (138****1234)", field: fieldPrefix + "customerPhone")
            }
            if !user.seesContactDetails, !phone.contains(where: { "xX*".contains($0) }) {
                try await services.admitContactLookup(tx, user, by: "phone")
            }
        }
        if customerEmail != nil { try await services.admitContactLookup(tx, user, by: "email") }
    }

    /// The filter with contact details resolved to customer ids (the keyword not applied:
    /// message search uses it directly).
    func resolvedFilter(_ tx: Transaction, user: ResolvedUser, services: Services) async throws -> ResolvedConversationQuery {
        try await admitContactFilters(tx, user: user, services: services)
        var query = conversationQuery
        query.keyword = nil
        return try await query.resolve(tx, tenantID: user.tenantID)
    }
}
