import Domain
import Export
import Foundation
import Store

/// Store's records as the renderers' rows, with contact details masked exactly as the API
/// masks them for the requester (`ConversationBody`, `MessageBody`).
struct ExportRowMapping {
    /// Whether the requester sees phone numbers and e-mail addresses in full.
    let unmasked: Bool
    let includeCustomerInfo: Bool

    func conversation(_ record: ExportConversationRecord) -> ExportConversation {
        let c = record.conversation
        let facts = record.facts
        return ExportConversation(
            id: c.id,
            customerName: c.customerName ?? "",
            customerContact: contact(phone: facts.phone, email: facts.email),
            channel: c.channel.rawValue,
            agents: facts.agentNames,
            department: facts.departmentName,
            status: c.status.rawValue,
            startedAt: c.startedAt,
            endedAt: c.endedAt,
            firstResponseSeconds: facts.firstResponseSeconds,
            messageCount: c.messageCount,
            rating: c.satisfaction?.rawValue,
            tags: facts.tagNames,
            customerFields: includeCustomerInfo ? facts.attributes.map { CustomerField(name: $0.0, value: $0.1) } : [],
            customerTags: includeCustomerInfo ? facts.customerTagNames : [])
    }

    /// The phone (else the e-mail) as the requester may see it.
    func contact(phone: String?, email: String?) -> String? {
        if let phone { return unmasked ? phone : ContactMasking.maskPhone(phone) }
        if let email { return unmasked ? email : ContactMasking.maskEmail(email) }
        return nil
    }

    func message(_ record: ExportMessageRecord, in conversation: ExportConversation) -> ExportMessage {
        let m = record.message
        let senderName: String = switch m.senderSide {
        case .customer: conversation.customerName.isEmpty ? masked(m.senderID) ?? "Customer" : conversation.customerName
        case .agent: record.agentName ?? m.senderID ?? "Agent"
        case .bot: "Bot"
        case .system: "System"
        }
        let customer = [conversation.customerName, conversation.customerContact ?? ""].filter { !$0.isEmpty }.joined(separator: " ")
        return ExportMessage(
            id: m.id, conversationID: m.conversationID, sentAt: m.createdAt, channel: conversation.channel,
            customer: customer, senderSide: m.senderSide.rawValue, senderName: senderName, kind: m.kind.rawValue,
            text: m.text ?? "",
            attachment: m.attachment.map {
                ExportAttachment(name: $0.name ?? "", mimeType: $0.mimeType ?? "", sizeBytes: $0.sizeBytes.map(Int64.init),
                                 url: $0.url)
            })
    }

    /// A customer's channel id, masked like `MessageBody.senderId`.
    private func masked(_ senderID: String?) -> String? {
        guard let senderID else { return nil }
        return unmasked ? senderID : ContactMasking.maskIdentifier(senderID)
    }
}
