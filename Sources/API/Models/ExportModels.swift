import Domain
import Foundation
import Store

/// `POST /v1/exports`: what to export (exactly one of `conversationId`, `conversationIds`,
/// `filter`) and how.
struct CreateExportRequest: Decodable {
    let format: String
    let rows: String?
    let conversationId: UUID?
    let conversationIds: [UUID]?
    /// The parameters of `GET /v1/conversations`, names and values as in its query string.
    let filter: [String: String]?
    let includeAttachments: Bool?
    let includeCustomerInfo: Bool?
    let embedImages: Bool?
    /// PDF only. Absent: "exporter name · time"; empty: none; otherwise this text.
    let watermark: String?
    let fileName: String?

    static let maxConversationIDs = 1_000
    static let filterNames: Set<String> = [
        "preset", "from", "to", "channel", "status", "agentId", "departmentId", "tagIds", "satisfaction", "hasAttachment",
        "customerPhone", "customerEmail", "customerName", "starred", "q", "mode",
    ]
}

struct ExportJobBody: Encodable {
    let id: UUID
    let status: String
    let format: String
    let rows: String
    let fileName: String
    let requestedBy: UUID
    let rowsTotal: Int?
    let rowsDone: Int
    let bytes: Int64?
    let error: String?
    let attempts: Int
    let includeAttachments: Bool
    let includeCustomerInfo: Bool
    let embedImages: Bool
    let watermark: String?
    let createdAt: Date
    let startedAt: Date?
    let finishedAt: Date?
    let fileDeletedAt: Date?
    /// Present while the file can be downloaded.
    let downloadUrl: String?

    init(_ job: ExportJobRecord) {
        id = job.id
        status = job.status.rawValue
        format = job.format.rawValue
        rows = job.rowKind.rawValue
        fileName = job.fileName
        requestedBy = job.requestedBy
        rowsTotal = job.rowsTotal
        rowsDone = job.rowsDone
        bytes = job.bytes
        error = job.error
        attempts = job.attempts
        includeAttachments = job.options.includeAttachmentLinks
        includeCustomerInfo = job.options.includeCustomerInfo
        embedImages = job.options.embedImages
        watermark = job.options.watermark
        createdAt = job.createdAt
        startedAt = job.startedAt
        finishedAt = job.finishedAt
        fileDeletedAt = job.fileDeletedAt
        downloadUrl = job.status == .succeeded && job.fileDeletedAt == nil
            ? "/v1/exports/\(job.id.uuidString.lowercased())/download" : nil
    }
}
