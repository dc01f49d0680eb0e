import Domain
import Foundation
import Search
import Store

struct MessageHitBody: Encodable {
    let message: MessageBody
    let conversation: ConversationRef
    let customer: CustomerRef
    let agent: ConversationBody.AgentRef?
    let snippet: SnippetBody

    struct ConversationRef: Encodable { let id: UUID; let channel: String; let status: String }
    struct CustomerRef: Encodable { let id: UUID; let name: String?; let phone: String?; let email: String? }

    init(_ hit: MessageHit, query: SearchQuery, unmasked: Bool) {
        message = MessageBody(hit.message, unmasked: unmasked)
        conversation = ConversationRef(id: hit.message.conversationID, channel: hit.channel.rawValue, status: hit.conversationStatus.rawValue)
        customer = CustomerRef(
            id: hit.customer.id, name: hit.customer.name,
            phone: unmasked ? hit.customer.phone : hit.customer.phone.map(ContactMasking.maskPhone),
            email: unmasked ? hit.customer.email : hit.customer.email.map(ContactMasking.maskEmail))
        agent = hit.agentID.map { ConversationBody.AgentRef(id: $0, name: hit.agentName) }
        snippet = SnippetBody(Highlighter.snippet(of: hit.message.text ?? "", for: query))
    }
}

/// An excerpt of the message around the first match; `highlights` are UTF-16 offsets into `text`.
struct SnippetBody: Encodable {
    let text: String
    let highlights: [Highlight]
    struct Highlight: Encodable { let start: Int; let end: Int }

    init(_ snippet: Highlighter.Snippet) {
        text = snippet.text
        highlights = snippet.ranges.map { Highlight(start: $0.lowerBound, end: $0.upperBound) }
    }
}

struct SearchResponse: Encodable {
    let items: [MessageHitBody]
    let nextCursor: String?
    /// Present on the first page: exact up to `bound`, then "at least `count`".
    let total: Total?
    struct Total: Encodable { let count: Int; let exact: Bool }
}
