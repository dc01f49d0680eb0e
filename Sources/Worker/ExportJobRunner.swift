import Domain
import Export
import Foundation
import Logging
import ObjectStorage
import Store
import Synchronization

/// Runs one claimed export job: reads its rows under the requester's scope, renders them
/// to a local file as they arrive, uploads the file under the job's fixed key, then marks
/// the job done and notifies the requester in one transaction.
///
/// While it runs, the lease is renewed every `renewEvery`; a renewal that finds the job
/// cancelled, or taken over, stops the rendering at the next row.
struct ExportJobRunner: Sendable {
    let database: Database
    let queue: ExportQueue
    let store: any ObjectStore
    /// Fetches image attachments for PDFs; `nil` embeds none.
    let images: ImageFetcher?
    let lease: Duration
    let renewEvery: Duration
    let waits: any _Concurrency.Clock<Duration>
    let retry: RetryPolicy
    let temporaryDirectory: URL
    let logger: Logger

    func run(_ job: ExportJobRecord) async {
        var logger = logger
        logger[metadataKey: "export_id"] = "\(job.id.uuidString.lowercased())"
        logger[metadataKey: "tenant_id"] = "\(job.tenantID.uuidString.lowercased())"
        guard job.attempts <= job.maxAttempts else {
            // Claimed again after its lease ran out, attempt after attempt: its worker
            // keeps dying on it (out of memory, killed). Stop trying.
            await fail(job, ExportFailure.permanent("the export was interrupted \(job.maxAttempts) times and was given up"),
                       logger: logger)
            return
        }
        let progress = JobProgress()
        let file = temporaryDirectory.appendingPathComponent("\(job.id.uuidString.lowercased()).\(job.format.fileExtension)")
        defer { try? FileManager.default.removeItem(at: file) }
        let renewal = Task { await renewLease(job, progress, logger: logger) }
        defer { renewal.cancel() }
        do {
            let rows = try await render(job, to: file, progress: progress)
            renewal.cancel()
            // The last word before the upload: a job cancelled meanwhile uploads nothing.
            guard try await queue.renew(job, lease: lease, rowsDone: rows) else { throw ExportFailure.lost }
            let bytes = try await store.put(file: file, key: job.objectKey, contentType: job.format.contentType)
            let finished = try await queue.succeed(job, rows: rows, bytes: bytes) { tx in
                _ = try await NotificationRepository(tx, tenantID: job.tenantID).post(
                    to: job.requestedBy, kind: "export.succeeded", title: "Your export is ready",
                    body: "\(job.fileName): \(rows) rows, \(bytes) bytes", link: "/v1/exports/\(job.id.uuidString.lowercased())/download",
                    subjectType: "export", subjectID: job.id)
            }
            if finished {
                logger.info("export succeeded", metadata: ["rows": "\(rows)", "bytes": "\(bytes)"])
            } else {
                try await discardUpload(of: job, logger: logger)
            }
        } catch ExportFailure.lost {
            logger.info("export stopped: cancelled or taken over")
            try? await discardUpload(of: job, logger: logger)
        } catch {
            await fail(job, error, logger: logger)
        }
    }

    /// Reads and renders the whole file; returns the rows written.
    private func render(_ job: ExportJobRecord, to file: URL, progress: JobProgress) async throws -> Int {
        let requester = UserPrincipal(tenantID: job.tenantID, userID: job.requestedBy, role: .agent)
        // The role above is not used: the scope reads the requester's role, departments and
        // plan window as stored now, so the export shows what they may see today.
        return try await database.withScope(.user(requester), logger: logger) { tx in
            try await render(job, in: tx, to: file, progress: progress)
        }
    }

    /// The reading and rendering, inside the requester's transaction.
    private func render(_ job: ExportJobRecord, in tx: Transaction, to file: URL, progress: JobProgress) async throws -> Int {
        guard let user = tx.user else { throw ExportFailure.permanent("the requester's account is gone") }
        let resolved = try await job.selection.resolve(tx, tenantID: job.tenantID)
        if let capped = resolved.capped.first {
            throw ExportFailure.permanent("\(capped.explanation); narrow the filter")
        }
        let options = job.options
        // A customer's data export opens with the customer's own record (profile, notes, visits).
        var customerData: Data?
        if let customerID = options.customerID {
            customerData = try await CustomerDataDocument.encode(customerID, tx: tx, tenantID: job.tenantID, unmasked: user.seesContactDetails)
            // Everything held about the customer, their conversations in the recycle bin included.
            try await RecycleBinRepository(tx, tenantID: job.tenantID).openBin()
        }
        let document = ExportDocument(
            title: options.title, tenantName: options.tenantName, exporterName: options.exporterName,
            generatedAt: tx.clock.now(), timeZone: TimeZone(identifier: options.timeZone) ?? .gmt, rows: job.rowKind,
            includeAttachmentLinks: options.includeAttachmentLinks, includeCustomerInfo: options.includeCustomerInfo,
            embedImages: options.embedImages, watermark: options.watermark, customerData: customerData)
        var loader: ImageLoader?
        if options.embedImages, let fetcher = images {
            loader = { attachment in try? fetcher.fetch(attachment.url).get() }
        }
        let renderer = try ExportRenderers.make(job.format, document: document, destination: file, imageLoader: loader)
        let mapping = ExportRowMapping(unmasked: user.seesContactDetails, includeCustomerInfo: options.includeCustomerInfo)
        let reader = ExportReader(tx, tenantID: job.tenantID)
        let readsMessages = ExportRowCount.readsMessages(format: job.format, rowKind: job.rowKind)
        let showsFacts = ExportRowCount.showsConversationFacts(format: job.format, rowKind: job.rowKind)
        let userNames = readsMessages ? try await reader.userNames() : [:]
        var conversationsDone = 0, messagesDone = 0
        try await reader.openConversations(resolved.filter)
        while true {
            let page = try await reader.nextConversations(limit: ExportReader.pageSize, facts: showsFacts)
            if page.isEmpty { break }
            let conversations = page.map(mapping.conversation)
            // Each conversation is added just before its first message (or, without
            // messages, in turn), so renderers see them in list order.
            var added = 0
            func addConversations(through index: Int) throws {
                while added <= index {
                    try renderer.add(conversations[added])
                    added += 1
                    conversationsDone += 1
                }
            }
            if readsMessages {
                let positions = Dictionary(uniqueKeysWithValues: conversations.enumerated().map { ($1.id, $0) })
                try await reader.forEachMessage(of: page.map(\.conversation), userNames: userNames) { record in
                    guard let position = positions[record.message.conversationID] else { return }
                    try addConversations(through: position)
                    try renderer.add(mapping.message(record, in: conversations[position]))
                    messagesDone += 1
                    try progress.update(rows: ExportRowCount.rows(format: job.format, rowKind: job.rowKind,
                                                                  conversations: conversationsDone, messages: messagesDone))
                }
            }
            try addConversations(through: conversations.count - 1)
            try progress.update(rows: ExportRowCount.rows(format: job.format, rowKind: job.rowKind,
                                                          conversations: conversationsDone, messages: messagesDone))
        }
        try renderer.finish()
        return progress.rows
    }

    /// Renews the lease until cancelled; marks the job lost when a renewal is refused.
    func renewLease(_ job: ExportJobRecord, _ progress: JobProgress, logger: Logger) async {
        while !Task.isCancelled {
            try? await waits.sleep(for: renewEvery)
            guard !Task.isCancelled else { return }
            do {
                if try await !queue.renew(job, lease: lease, rowsDone: progress.rows) {
                    progress.markLost()
                    return
                }
            } catch {
                // One failed renewal is not the end: the lease is several renewals long.
                logger.warning("export lease renewal failed", metadata: ["error": "\(String(reflecting: error))"])
            }
        }
    }

    private func fail(_ job: ExportJobRecord, _ error: any Error, logger: Logger) async {
        let failure = ExportFailure.classify(error)
        let retryAt = failure.retryable
            ? database.clock.now().addingTimeInterval(retry.delay(afterAttempt: job.attempts)) : nil
        do {
            let status = try await queue.fail(job, reason: failure.reason, retryAt: retryAt) { tx in
                _ = try await NotificationRepository(tx, tenantID: job.tenantID).post(
                    to: job.requestedBy, kind: "export.failed", title: "Your export failed",
                    body: "\(job.fileName): \(failure.reason)", link: "/v1/exports/\(job.id.uuidString.lowercased())",
                    subjectType: "export", subjectID: job.id)
            }
            logger.warning("export failed", metadata: [
                "reason": "\(failure.reason)", "error": "\(String(reflecting: error))", "now": "\(status?.rawValue ?? "lost")",
            ])
        } catch {
            // The lease runs out and another attempt starts; nothing else to do here.
            logger.error("could not record an export failure", metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    /// After a cancellation during the upload: the object is removed, unless another
    /// worker finished the job under the same key meanwhile.
    private func discardUpload(of job: ExportJobRecord, logger: Logger) async throws {
        guard try await queue.status(of: job) == .cancelled else { return }
        try await store.delete(key: job.objectKey)
    }
}

/// Rows written so far, and whether the job was lost; shared by the render loop and the
/// lease renewal.
final class JobProgress: Sendable {
    private let state = Mutex((rows: 0, lost: false))

    var rows: Int { state.withLock { $0.rows } }

    /// Records progress; throws once the job is lost, so rendering stops at the next row.
    func update(rows: Int) throws {
        let lost = state.withLock { state in
            state.rows = rows
            return state.lost
        }
        if lost { throw ExportFailure.lost }
    }

    func markLost() { state.withLock { $0.lost = true } }
}
