import Domain
import Foundation
import Store

/// `POST /v1/admin/conversations/batch`: one action on chosen conversations or on every
/// conversation a filter lists.
struct BatchRequest: Decodable, Sendable {
    /// `archive`, `delete` or `export`.
    let action: String
    let conversationIds: [UUID]?
    /// The parameters of `GET /v1/conversations`, as for `POST /v1/exports`.
    let filter: [String: String]?
    /// A delete happens only with `true`; without it the answer says what it would delete.
    let confirm: Bool?
    /// For `export`: the file's options, as in `POST /v1/exports`.
    let format: String?
    let rows: String?
    let includeAttachments: Bool?
    let includeCustomerInfo: Bool?
    let embedImages: Bool?
    let watermark: String?
    let fileName: String?

    /// The `POST /v1/exports` body this batch's export stands for.
    func exportRequest() throws -> CreateExportRequest {
        guard let format else { throw APIError.badRequest("an export needs its format: xlsx, csv, pdf or txt", field: "format") }
        return CreateExportRequest(format: format, rows: rows, conversationId: nil, conversationIds: conversationIds, filter: filter,
                                   includeAttachments: includeAttachments, includeCustomerInfo: includeCustomerInfo,
                                   embedImages: embedImages, watermark: watermark, fileName: fileName)
    }

    /// At most this many conversations per archive or delete: larger selections go in parts
    /// (a delete runs within the request, in batches of `RetentionRepository` size).
    static let maxConversations = 10_000
}

enum BatchAction: String, CaseIterable, Sendable {
    case archive, delete, export
}

/// What a batch did, or — a delete without `confirm` — would do.
struct BatchResultBody: Encodable {
    let action: String
    /// `false` for a delete asked without `confirm`: nothing changed, the counts say what would.
    let performed: Bool
    /// Deletes are final: there is no recycle bin for an admin's delete.
    let final: Bool
    /// Conversations the selection holds (what the list shows for it).
    let matched: Int
    /// Conversations archived or deleted (or that a delete would delete).
    let touched: Int
    /// Their messages, for a delete.
    let messages: Int?
    /// Conversations old enough to delete that a legal hold keeps (delete).
    let keptByHold: Int?
    /// Conversations younger than the compliance minimum or the plan's minimum retention,
    /// held or not (delete).
    let keptByMinimum: Int?
    /// Conversations already archived or still ongoing (archive).
    let skipped: Int?
    /// The export job (export), followed at `/v1/exports/{exportId}`.
    let exportId: UUID?
}
