import Foundation
import Store

/// A conversation in the recycle bin.
struct RecycleBinEntryBody: Encodable {
    let conversationId: UUID
    /// The status a restore gives back.
    let previousStatus: String
    let deletedBy: UUID
    let deletedAt: Date
    /// Restorable until then; purged from then on.
    let purgeAfter: Date
    /// The conversation as it will be restored (in the bin's list; absent when the admin's
    /// history window hides it).
    let conversation: ConversationBody?

    init(_ entry: RecycleBinEntry, conversation: ConversationRecord?) {
        conversationId = entry.conversationID
        previousStatus = entry.previousStatus.rawValue
        deletedBy = entry.deletedBy
        deletedAt = entry.deletedAt
        purgeAfter = entry.purgeAfter
        self.conversation = conversation.map(ConversationBody.init)
    }
}
