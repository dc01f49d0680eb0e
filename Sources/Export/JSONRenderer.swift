import Foundation

/// One JSON document, written as rows arrive: a customer's data on request (GDPR/PIPL-style),
/// machine-readable.
///
///     {"format":"parley.customer-data.v1","title":…,"tenant":…,"exportedBy":…,"generatedAt":…,
///      "customer":{…profile, identities, tags, notes, visits…},
///      "conversations":[{…facts…,"messages":[{…},…]},…]}
///
/// Times are RFC 3339 in UTC (a machine reads them; the document names the tenant's zone).
/// `customer` is `document.customerData` as given, already JSON.
public final class JSONRenderer: ExportRenderer {
    private let file: BufferedFile
    private let encoder: JSONEncoder
    private var conversations = 0
    private var messagesInConversation = 0
    /// A conversation's object and its messages array are open, to be closed by `]}`.
    private var conversationOpen = false
    private var finished = false

    public init(document: ExportDocument, destination: URL) throws {
        file = try BufferedFile(creating: destination)
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        write("{\"format\":\"parley.customer-data.v1\"")
        try member("title", document.title)
        try member("tenant", document.tenantName)
        try member("exportedBy", document.exporterName)
        try member("generatedAt", document.generatedAt)
        try member("timeZone", document.timeZone.identifier)
        write(",\"customer\":")
        file.buffer.append(contentsOf: document.customerData ?? Data("null".utf8))
        write(",\"conversations\":[")
    }

    deinit {
        if !finished { file.discard() }
    }

    public func add(_ conversation: ExportConversation) throws {
        try checkOpen()
        closeConversation()
        if conversations > 0 { write(",") }
        conversations += 1
        messagesInConversation = 0
        conversationOpen = true
        var object = try encoder.encode(ConversationObject(conversation))
        // The conversation's object stays open for its messages: `…,"messages":[`.
        object.removeLast()
        file.buffer.append(contentsOf: object)
        write(",\"messages\":[")
        try file.flushIfFull()
    }

    public func add(_ message: ExportMessage) throws {
        try checkOpen()
        guard conversationOpen else { throw ExportRenderError("a message came before its conversation") }
        if messagesInConversation > 0 { write(",") }
        messagesInConversation += 1
        file.buffer.append(contentsOf: try encoder.encode(MessageObject(message)))
        try file.flushIfFull()
    }

    public func finish() throws {
        try checkOpen()
        closeConversation()
        write("]}\n")
        finished = true
        do {
            try file.close()
        } catch {
            file.discard()
            throw error
        }
    }

    private func closeConversation() {
        guard conversationOpen else { return }
        write("]}")
        conversationOpen = false
    }

    private func member<T: Encodable>(_ name: String, _ value: T) throws {
        write(",\"\(name)\":")
        file.buffer.append(contentsOf: try encoder.encode(value))
    }

    private func write(_ text: String) { file.buffer.append(contentsOf: text.utf8) }

    private func checkOpen() throws(ExportRenderError) {
        if finished { throw ExportRenderError("the JSON file is already finished") }
    }

    private struct ConversationObject: Encodable {
        let id: UUID, channel: String, status: String, agents: [String], department: String?
        let startedAt: Date, endedAt: Date?, firstResponseSeconds: Int?, messageCount: Int, rating: String?, tags: [String]

        init(_ c: ExportConversation) {
            id = c.id; channel = c.channel; status = c.status; agents = c.agents; department = c.department
            startedAt = c.startedAt; endedAt = c.endedAt; firstResponseSeconds = c.firstResponseSeconds
            messageCount = c.messageCount; rating = c.rating; tags = c.tags
        }
    }

    private struct MessageObject: Encodable {
        let id: UUID, sentAt: Date, senderSide: String, senderName: String, kind: String, text: String
        let attachment: AttachmentObject?

        init(_ m: ExportMessage) {
            id = m.id; sentAt = m.sentAt; senderSide = m.senderSide; senderName = m.senderName; kind = m.kind; text = m.text
            attachment = m.attachment.map { AttachmentObject(name: $0.name, mimeType: $0.mimeType, sizeBytes: $0.sizeBytes, url: $0.url) }
        }
    }

    private struct AttachmentObject: Encodable {
        let name: String, mimeType: String, sizeBytes: Int64?, url: String
    }
}
