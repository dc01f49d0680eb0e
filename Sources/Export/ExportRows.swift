import Domain
import Foundation

// The vocabulary the API and the job queue share lives in Domain.
public typealias ExportFormat = Domain.ExportFormat
public typealias ExportRowKind = Domain.ExportRowKind

/// Facts about the whole file, known before the first row.
public struct ExportDocument: Sendable {
    public var title: String
    public var tenantName: String
    public var exporterName: String
    public var generatedAt: Date
    /// Times in the file are shown in this zone (the tenant's).
    public var timeZone: TimeZone
    public var rows: ExportRowKind
    /// Attachment name, type, size and link columns / lines.
    public var includeAttachmentLinks: Bool
    /// Customer profile fields and tags with each conversation.
    public var includeCustomerInfo: Bool
    /// PDF only: image attachments drawn into the transcript.
    public var embedImages: Bool
    /// PDF only: drawn on every page; `nil` for none.
    public var watermark: String?
    /// JSON only (a customer's data export): the customer's profile, identities, tags, notes
    /// and visits, already encoded as one JSON object.
    public var customerData: Data?

    public init(title: String, tenantName: String, exporterName: String, generatedAt: Date, timeZone: TimeZone,
                rows: ExportRowKind, includeAttachmentLinks: Bool, includeCustomerInfo: Bool,
                embedImages: Bool = false, watermark: String? = nil, customerData: Data? = nil) {
        self.title = title
        self.tenantName = tenantName
        self.exporterName = exporterName
        self.generatedAt = generatedAt
        self.timeZone = timeZone
        self.rows = rows
        self.includeAttachmentLinks = includeAttachmentLinks
        self.includeCustomerInfo = includeCustomerInfo
        self.embedImages = embedImages
        self.watermark = watermark
        self.customerData = customerData
    }
}

/// One conversation, as the requester may see it: contact details already masked for them.
public struct ExportConversation: Sendable, Equatable {
    public var id: UUID
    public var customerName: String
    /// Phone or e-mail, masked as the API masks them for this requester; `nil` when unknown.
    public var customerContact: String?
    public var channel: String
    /// Display names of the agents who took part, first to last.
    public var agents: [String]
    public var department: String?
    public var status: String
    public var startedAt: Date
    public var endedAt: Date?
    /// Seconds from the customer's first message to the first agent reply; `nil` if none.
    public var firstResponseSeconds: Int?
    public var messageCount: Int
    /// `good`, `neutral`, `bad`, or `nil` when unrated.
    public var rating: String?
    public var tags: [String]
    /// Only filled when the document includes customer info: profile fields in a stable order.
    public var customerFields: [CustomerField]
    /// Only filled when the document includes customer info.
    public var customerTags: [String]

    public init(id: UUID, customerName: String, customerContact: String?, channel: String, agents: [String],
                department: String?, status: String, startedAt: Date, endedAt: Date?, firstResponseSeconds: Int?,
                messageCount: Int, rating: String?, tags: [String], customerFields: [CustomerField] = [],
                customerTags: [String] = []) {
        self.id = id
        self.customerName = customerName
        self.customerContact = customerContact
        self.channel = channel
        self.agents = agents
        self.department = department
        self.status = status
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.firstResponseSeconds = firstResponseSeconds
        self.messageCount = messageCount
        self.rating = rating
        self.tags = tags
        self.customerFields = customerFields
        self.customerTags = customerTags
    }

    /// Whole seconds from start to end; `nil` while the conversation is open.
    public var durationSeconds: Int? {
        endedAt.map { Int($0.timeIntervalSince(startedAt).rounded(.down)) }
    }
}

public struct CustomerField: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// One message of a conversation, in send order.
public struct ExportMessage: Sendable, Equatable {
    public var id: UUID
    public var conversationID: UUID
    public var sentAt: Date
    public var channel: String
    /// The customer's name (and masked contact) as shown for the conversation.
    public var customer: String
    /// `customer`, `agent` or `system`.
    public var senderSide: String
    public var senderName: String
    /// `text`, `image`, `file`, `voice`, `video`, `system`, …
    public var kind: String
    public var text: String
    public var attachment: ExportAttachment?

    public init(id: UUID, conversationID: UUID, sentAt: Date, channel: String, customer: String, senderSide: String,
                senderName: String, kind: String, text: String, attachment: ExportAttachment?) {
        self.id = id
        self.conversationID = conversationID
        self.sentAt = sentAt
        self.channel = channel
        self.customer = customer
        self.senderSide = senderSide
        self.senderName = senderName
        self.kind = kind
        self.text = text
        self.attachment = attachment
    }
}

public struct ExportAttachment: Sendable, Equatable {
    public var name: String
    public var mimeType: String
    public var sizeBytes: Int64?
    public var url: String

    public init(name: String, mimeType: String, sizeBytes: Int64?, url: String) {
        self.name = name
        self.mimeType = mimeType
        self.sizeBytes = sizeBytes
        self.url = url
    }

    public var isImage: Bool { mimeType.lowercased().hasPrefix("image/") }
}

/// Image bytes for an attachment, or `nil` when it may not or could not be fetched
/// (the PDF then shows the attachment's name and link instead). Blocking; called from the renderer.
public typealias ImageLoader = @Sendable (ExportAttachment) -> Data?

/// A file being written, one row at a time, in this order: for each conversation, the
/// conversation, then its messages in send order. Memory must not grow with the rows:
/// write as rows arrive.
public protocol ExportRenderer: AnyObject {
    /// The conversation whose messages follow (if the document has messages).
    func add(_ conversation: ExportConversation) throws
    func add(_ message: ExportMessage) throws
    /// Completes the file at the renderer's destination; nothing may be added after.
    func finish() throws
}

/// Renderer errors: the worker records `description` as the job's error.
public struct ExportRenderError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
