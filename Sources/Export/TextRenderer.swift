import Foundation

/// A plain transcript, UTF-8 with LF line ends, written as rows arrive:
///
///     <title>
///     Tenant: …  Exported by: …  Generated: …  Time zone: …   (one per line)
///
///     ====…
///     Conversation: <id>
///     Customer: 张三 (138****0000)
///     …facts…
///     ----…
///     2026-03-01 10:15:03  Agent 王小明: first line
///                          second line
///                          [image] photo.jpg (image/jpeg, 12.3 KB) https://…
///
/// Times are wall-clock times in the document's zone, which the file header names once.
/// A message's further lines are indented under its text, so no line a sender typed
/// can look like a message line of its own.
public final class TextRenderer: ExportRenderer {
    private let document: ExportDocument
    private let file: BufferedFile
    private var clock: ExportClock
    private var finished = false

    /// Width of `2026-03-01 10:15:03  `, the indent of a message's further lines.
    private static let continuation = String(repeating: " ", count: 21)
    private static let doubleRule = String(repeating: "=", count: 72)
    private static let singleRule = String(repeating: "-", count: 72)

    public init(document: ExportDocument, destination: URL) throws {
        self.document = document
        clock = ExportClock(timeZone: document.timeZone)
        file = try BufferedFile(creating: destination)
        let generated = clock.local(document.generatedAt)
        write(TranscriptText.singleLine(document.title))
        write("Tenant: \(TranscriptText.singleLine(document.tenantName))")
        write("Exported by: \(TranscriptText.singleLine(document.exporterName))")
        write("Generated: \(generated.transcript) \(generated.offsetLabel)")
        write("Time zone: \(document.timeZone.identifier)")
    }

    deinit {
        if !finished { file.discard() }
    }

    public func add(_ conversation: ExportConversation) throws {
        try checkOpen()
        let c = conversation
        func line(_ label: String, _ value: String) { write("\(label): \(TranscriptText.singleLine(value))") }
        write("")
        write(Self.doubleRule)
        line("Conversation", ExportColumns.uuid(c.id))
        line("Customer", c.customerContact.map { "\(c.customerName) (\($0))" } ?? c.customerName)
        line("Channel", c.channel)
        line("Agents", c.agents.isEmpty ? "-" : c.agents.joined(separator: ", "))
        line("Department", c.department ?? "-")
        line("Status", c.status)
        line("Started", clock.local(c.startedAt).transcript)
        line("Ended", c.endedAt.map { clock.local($0).transcript } ?? "(still open)")
        if let duration = c.durationSeconds { line("Duration", TranscriptText.duration(duration)) }
        line("First response", c.firstResponseSeconds.map { TranscriptText.duration($0) } ?? "-")
        line("Messages", String(c.messageCount))
        line("Rating", c.rating ?? "(not rated)")
        line("Tags", c.tags.isEmpty ? "-" : c.tags.joined(separator: ", "))
        if document.includeCustomerInfo {
            line("Customer tags", c.customerTags.isEmpty ? "-" : c.customerTags.joined(separator: ", "))
            if c.customerFields.isEmpty {
                line("Customer fields", "-")
            } else {
                write("Customer fields:")
                for field in c.customerFields {
                    write("  \(TranscriptText.singleLine(field.name)): \(TranscriptText.singleLine(field.value))")
                }
            }
        }
        write(Self.singleRule)
        try file.flushIfFull()
    }

    public func add(_ message: ExportMessage) throws {
        try checkOpen()
        let name = TranscriptText.singleLine(message.senderName)
        let sender = name.isEmpty ? TranscriptText.side(message.senderSide)
            : "\(TranscriptText.side(message.senderSide)) \(name)"
        var lines = message.text.isEmpty ? [] : TranscriptText.lines(message.text).map(String.init)
        if let attachment = message.attachment, document.includeAttachmentLinks {
            lines.append(attachmentLine(attachment, kind: message.kind))
        } else if lines.isEmpty {
            // An image or voice message without its link still shows that something was sent.
            lines.append("[\(TranscriptText.singleLine(message.kind))]")
        }
        write("\(clock.local(message.sentAt).transcript)  \(sender): \(lines.first ?? "")")
        for extra in lines.dropFirst() {
            write(extra.isEmpty ? "" : Self.continuation + extra)
        }
        try file.flushIfFull()
    }

    public func finish() throws {
        try checkOpen()
        finished = true
        do {
            try file.close()
        } catch {
            file.discard()
            throw error
        }
    }

    /// `[image] photo.jpg (image/jpeg, 12.3 KB) https://…`
    private func attachmentLine(_ attachment: ExportAttachment, kind: String) -> String {
        let type = TranscriptText.singleLine(attachment.mimeType)
        let facts = attachment.sizeBytes.map { "\(type), \(TranscriptText.size($0))" } ?? type
        return "[\(TranscriptText.singleLine(kind))] \(TranscriptText.singleLine(attachment.name)) (\(facts)) "
            + TranscriptText.singleLine(attachment.url)
    }

    private func checkOpen() throws(ExportRenderError) {
        if finished { throw ExportRenderError("the text file is already finished") }
    }

    private func write(_ line: String) {
        file.buffer.append(contentsOf: line.utf8)
        file.buffer.append(0x0A)
    }
}
