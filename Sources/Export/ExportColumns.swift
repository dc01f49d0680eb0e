import Foundation

/// One cell's value before a format decides how to write it: CSV writes a time as
/// RFC 3339 text, XLSX as an Excel date; CSV writes a number as digits, XLSX as a number.
enum ExportCell: Equatable {
    case text(String)
    /// Counts, seconds and byte sizes: never negative for well-formed rows.
    case integer(Int64)
    case time(Date)
    /// No value (an open conversation's end, an unrated one's rating): an empty CSV
    /// field, no XLSX cell.
    case empty
}

/// A column of a spreadsheet-shaped export: the header, a width for XLSX, and how a
/// row becomes its cell. CSV and XLSX both read these lists, so their columns cannot drift.
struct ExportColumn<Row> {
    let title: String
    /// Excel width in characters of the default font; a CJK character takes about two.
    let width: Double
    let cell: (Row) -> ExportCell
}

/// The columns of each row kind, in file order.
enum ExportColumns {
    /// One row per message.
    static func messages(includeAttachmentLinks: Bool) -> [ExportColumn<ExportMessage>] {
        var columns: [ExportColumn<ExportMessage>] = [
            .init(title: "Time", width: 20) { .time($0.sentAt) },
            .init(title: "Conversation ID", width: 38) { .text(uuid($0.conversationID)) },
            .init(title: "Channel", width: 12) { .text($0.channel) },
            .init(title: "Customer", width: 24) { .text($0.customer) },
            .init(title: "Sender Side", width: 11) { .text($0.senderSide) },
            .init(title: "Sender Name", width: 18) { .text($0.senderName) },
            .init(title: "Kind", width: 9) { .text($0.kind) },
            .init(title: "Text", width: 60) { .text($0.text) },
        ]
        if includeAttachmentLinks {
            columns += [
                .init(title: "Attachment Name", width: 28) { $0.attachment.map { .text($0.name) } ?? .empty },
                .init(title: "Attachment Type", width: 18) { $0.attachment.map { .text($0.mimeType) } ?? .empty },
                .init(title: "Attachment Size (bytes)", width: 12) {
                    $0.attachment?.sizeBytes.map { .integer($0) } ?? .empty
                },
                .init(title: "Attachment URL", width: 50) { $0.attachment.map { .text($0.url) } ?? .empty },
            ]
        }
        return columns
    }

    /// One row per conversation.
    ///
    /// Duration and first response are whole seconds, as numbers: they sort, sum and
    /// average in a spreadsheet and read the same in CSV and XLSX, where an `h:mm:ss`
    /// text would be neither (transcripts, read by people, show `h:mm:ss`).
    ///
    /// Customer fields are one column of `name: value; name: value`: the fields a
    /// tenant defines vary by conversation, and a streamed file must fix its columns
    /// before the first row.
    static func conversations(includeCustomerInfo: Bool) -> [ExportColumn<ExportConversation>] {
        var columns: [ExportColumn<ExportConversation>] = [
            .init(title: "Conversation ID", width: 38) { .text(uuid($0.id)) },
            .init(title: "Customer", width: 20) { .text($0.customerName) },
            .init(title: "Customer Contact", width: 22) { optional($0.customerContact) },
            .init(title: "Channel", width: 12) { .text($0.channel) },
            .init(title: "Agents", width: 24) { .text($0.agents.joined(separator: ", ")) },
            .init(title: "Department", width: 16) { optional($0.department) },
            .init(title: "Status", width: 10) { .text($0.status) },
            .init(title: "Started", width: 20) { .time($0.startedAt) },
            .init(title: "Ended", width: 20) { $0.endedAt.map { .time($0) } ?? .empty },
            .init(title: "Duration (s)", width: 12) { $0.durationSeconds.map { .integer(Int64($0)) } ?? .empty },
            .init(title: "First Response (s)", width: 12) {
                $0.firstResponseSeconds.map { .integer(Int64($0)) } ?? .empty
            },
            .init(title: "Messages", width: 10) { .integer(Int64($0.messageCount)) },
            .init(title: "Rating", width: 9) { optional($0.rating) },
            .init(title: "Tags", width: 24) { .text($0.tags.joined(separator: ", ")) },
        ]
        if includeCustomerInfo {
            columns += [
                .init(title: "Customer Tags", width: 24) { .text($0.customerTags.joined(separator: ", ")) },
                .init(title: "Customer Fields", width: 40) { .text(customerFields($0.customerFields)) },
            ]
        }
        return columns
    }

    /// `name: value; name: value`, in the order the model gives.
    static func customerFields(_ fields: [CustomerField]) -> String {
        fields.map { "\($0.name): \($0.value)" }.joined(separator: "; ")
    }

    /// Lower case, as PostgreSQL writes ids, so a file's ids match what the database and logs show.
    static func uuid(_ id: UUID) -> String { id.uuidString.lowercased() }

    private static func optional(_ text: String?) -> ExportCell { text.map { .text($0) } ?? .empty }
}
