import Foundation

/// What an export file holds, chosen by the requester (`POST /v1/exports`) — but for `json`,
/// which only a customer's data export makes.
public enum ExportFormat: String, Sendable, Codable, CaseIterable {
    case xlsx, csv, pdf, txt, json

    /// The formats `POST /v1/exports` and schedules offer.
    public static let requestable: [ExportFormat] = [.xlsx, .csv, .pdf, .txt]

    public var fileExtension: String { rawValue }

    public var contentType: String {
        switch self {
        case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case .csv: "text/csv; charset=utf-8"
        case .pdf: "application/pdf"
        case .txt: "text/plain; charset=utf-8"
        case .json: "application/json"
        }
    }
}

/// Which rows a file holds: one per message, one per conversation, or (xlsx only) both as two sheets.
public enum ExportRowKind: String, Sendable, Codable, CaseIterable {
    case messages, conversations, both

    public var includesMessages: Bool { self != .conversations }
    public var includesConversations: Bool { self != .messages }
}

/// Where an export job is: `queued → running → succeeded | failed | cancelled`.
public enum ExportJobStatus: String, Sendable, Codable, CaseIterable {
    case queued, running, succeeded, failed, cancelled

    public var isFinished: Bool { self == .succeeded || self == .failed || self == .cancelled }
}

/// What counts as a row of an export, for progress and the plan's cap: the rows of the
/// file — messages for transcripts (PDF, TXT) and message sheets, conversations for a
/// conversation sheet, both for an xlsx with both sheets.
public enum ExportRowCount {
    public static func rows(format: ExportFormat, rowKind: ExportRowKind, conversations: Int, messages: Int) -> Int {
        switch (format, rowKind) {
        case (.pdf, _), (.txt, _), (.json, _), (_, .messages): messages
        case (_, .conversations): conversations
        case (_, .both): conversations + messages
        }
    }

    /// Whether the file shows messages at all (a conversation sheet alone does not read them).
    public static func readsMessages(format: ExportFormat, rowKind: ExportRowKind) -> Bool {
        format == .pdf || format == .txt || format == .json || rowKind.includesMessages
    }

    /// Whether the file shows conversations' facts (agents, department, tags, first response,
    /// profile fields): transcripts head each conversation with them and conversation rows
    /// are made of them; a message sheet shows only the customer's name and contact.
    public static func showsConversationFacts(format: ExportFormat, rowKind: ExportRowKind) -> Bool {
        format == .pdf || format == .txt || format == .json || rowKind.includesConversations
    }
}
