import Domain
import Foundation

/// How an export is written, as accepted at creation; the worker renders from it alone.
public struct ExportOptions: Sendable, Equatable, Codable {
    public var includeAttachmentLinks: Bool
    public var includeCustomerInfo: Bool
    /// PDF: image attachments drawn into the transcript.
    public var embedImages: Bool
    /// PDF: the text drawn on every page, resolved at creation (default "exporter · time"); `nil` for none.
    public var watermark: String?
    /// Facts of the document, fixed when the job was created.
    public var title: String
    public var tenantName: String
    public var exporterName: String
    /// IANA zone name the file's times are shown in.
    public var timeZone: String
    /// A customer's data export (`json`): whose profile, notes and visits the file opens with.
    public var customerID: UUID?

    public init(includeAttachmentLinks: Bool, includeCustomerInfo: Bool, embedImages: Bool, watermark: String?,
                title: String, tenantName: String, exporterName: String, timeZone: String, customerID: UUID? = nil) {
        self.includeAttachmentLinks = includeAttachmentLinks
        self.includeCustomerInfo = includeCustomerInfo
        self.embedImages = embedImages
        self.watermark = watermark
        self.title = title
        self.tenantName = tenantName
        self.exporterName = exporterName
        self.timeZone = timeZone
        self.customerID = customerID
    }
}

/// A new export job, checked and ready to queue.
public struct NewExportJob: Sendable {
    public var id: UUID
    public var requestedBy: UUID
    public var format: ExportFormat
    public var rowKind: ExportRowKind
    public var selection: ConversationQuery
    public var options: ExportOptions
    public var fileName: String
    public var rowsTotal: Int
    public var scheduleID: UUID?
    public var periodStart: Date?

    public init(id: UUID, requestedBy: UUID, format: ExportFormat, rowKind: ExportRowKind, selection: ConversationQuery,
                options: ExportOptions, fileName: String, rowsTotal: Int, scheduleID: UUID? = nil, periodStart: Date? = nil) {
        self.id = id
        self.requestedBy = requestedBy
        self.format = format
        self.rowKind = rowKind
        self.selection = selection
        self.options = options
        self.fileName = fileName
        self.rowsTotal = rowsTotal
        self.scheduleID = scheduleID
        self.periodStart = periodStart
    }
}

public struct ExportJobRecord: Sendable, Equatable {
    public let tenantID: UUID
    public let id: UUID
    public let requestedBy: UUID
    public let status: ExportJobStatus
    public let format: ExportFormat
    public let rowKind: ExportRowKind
    public let selection: ConversationQuery
    public let options: ExportOptions
    public let fileName: String
    /// Where the file is (or will be) in object storage; the same for every attempt.
    public let objectKey: String
    public let rowsTotal: Int?
    public let rowsDone: Int
    public let bytes: Int64?
    public let error: String?
    public let attempts: Int
    public let maxAttempts: Int
    public let createdAt: Date
    public let startedAt: Date?
    public let finishedAt: Date?
    public let fileDeletedAt: Date?

    /// The object key for a job: fixed at creation, so a retry replaces the same object.
    /// Only UUIDs and the sanitised file name's extension: keys stay to safe characters
    /// (S3-compatible servers disagree on percent-encoded keys).
    public static func objectKey(tenantID: UUID, jobID: UUID, format: ExportFormat) -> String {
        "tenants/\(tenantID.uuidString.lowercased())/exports/\(jobID.uuidString.lowercased()).\(format.fileExtension)"
    }
}
