import CXLSXWriter
import Foundation

/// `document.rows` as an Excel workbook through libxlsxwriter in constant-memory mode:
/// a sheet "Conversations", a sheet "Messages", or both (`.both`), with the columns of
/// `ExportColumns` (shared with CSV). Times are Excel dates (`yyyy-mm-dd hh:mm:ss`) in
/// the document's zone, counts and seconds are numbers, the header row is bold, frozen
/// and filtered.
///
/// Memory stays flat: libxlsxwriter holds one row per sheet and streams the rest to
/// temporary files in the destination's folder (not `/tmp`, which may be memory-backed,
/// and so the space used is where the file is going anyway); `workbook_close` zips
/// them into the file and removes them.
public final class XLSXRenderer: ExportRenderer {
    private var workbook: UnsafeMutablePointer<lxw_workbook>?
    private let destination: URL
    private var clock: ExportClock
    private let conversations: XLSXSheet<ExportConversation>?
    private let messages: XLSXSheet<ExportMessage>?

    public init(document: ExportDocument, destination: URL) throws {
        self.destination = destination
        clock = ExportClock(timeZone: document.timeZone)
        let folder = destination.deletingLastPathComponent().path
        let created = destination.path.withCString { path in
            folder.withCString { tmpdir in
                // libxlsxwriter copies `tmpdir` (lxw_strdup); the field is `char *` only
                // because the options struct is not const-correct. No ZIP64: Excel and
                // other readers open plain zips everywhere, and an export under the
                // plan's row caps is far below the 4 GB that would need it (past it,
                // workbook_close reports an error rather than writing a broken file).
                var options = lxw_workbook_options(constant_memory: UInt8(LXW_TRUE.rawValue),
                                                   tmpdir: UnsafeMutablePointer(mutating: tmpdir),
                                                   use_zip64: UInt8(LXW_FALSE.rawValue))
                return workbook_new_opt(path, &options)
            }
        }
        guard let workbook = created else {
            throw ExportRenderError("XLSX: cannot start a workbook at \(destination.path)")
        }
        self.workbook = workbook
        do {
            guard let header = workbook_add_format(workbook), let date = workbook_add_format(workbook) else {
                throw ExportRenderError("XLSX: out of memory")
            }
            format_set_bold(header)
            "yyyy-mm-dd hh:mm:ss".withCString { format_set_num_format(date, $0) }
            try Self.describe(workbook, document)
            conversations = document.rows.includesConversations
                ? try XLSXSheet(workbook: workbook, name: "Conversations",
                                columns: ExportColumns.conversations(includeCustomerInfo: document.includeCustomerInfo),
                                headerFormat: header, dateFormat: date)
                : nil
            messages = document.rows.includesMessages
                ? try XLSXSheet(workbook: workbook, name: "Messages",
                                columns: ExportColumns.messages(includeAttachmentLinks: document.includeAttachmentLinks),
                                headerFormat: header, dateFormat: date)
                : nil
        } catch {
            // deinit does not run for an object whose stored properties were never all set.
            parley_workbook_abandon(workbook)
            try? FileManager.default.removeItem(at: destination)
            throw error
        }
    }

    /// Given up on without `finish()`: free the workbook without writing it (see
    /// `parley_workbook_abandon` in shim.h) and delete anything at the destination,
    /// so no partial export is uploaded.
    deinit {
        guard let workbook else { return }
        parley_workbook_abandon(workbook)
        try? FileManager.default.removeItem(at: destination)
    }

    public func add(_ conversation: ExportConversation) throws {
        try checkOpen()
        try conversations?.write(conversation, clock: &clock)
    }

    public func add(_ message: ExportMessage) throws {
        try checkOpen()
        try messages?.write(message, clock: &clock)
    }

    public func finish() throws {
        let workbook = try checkOpen()
        try conversations?.finish()
        try messages?.finish()
        // workbook_close writes the file and frees the workbook whether or not it
        // succeeds, so the pointer is gone either way.
        self.workbook = nil
        let error = workbook_close(workbook)
        guard error == LXW_NO_ERROR else {
            try? FileManager.default.removeItem(at: destination)
            throw ExportRenderError("XLSX: cannot write \(destination.path): \(XLSXFailure.message(error))")
        }
    }

    @discardableResult
    private func checkOpen() throws(ExportRenderError) -> UnsafeMutablePointer<lxw_workbook> {
        guard let workbook else { throw ExportRenderError("the XLSX file is already finished") }
        return workbook
    }

    /// Title, tenant and exporter in the file's properties, and the zone the times are
    /// in: an Excel date has no zone, so the file says it where File › Info shows it.
    private static func describe(_ workbook: UnsafeMutablePointer<lxw_workbook>,
                                 _ document: ExportDocument) throws(ExportRenderError) {
        let comments = "Times are in \(document.timeZone.identifier)."
        let error = document.title.withCString { title in
            document.exporterName.withCString { author in
                document.tenantName.withCString { company in
                    comments.withCString { comments in
                        // libxlsxwriter copies each string; the struct's fields are `char *`
                        // only because it is not const-correct.
                        var properties = lxw_doc_properties()
                        properties.title = UnsafeMutablePointer(mutating: title)
                        properties.author = UnsafeMutablePointer(mutating: author)
                        properties.company = UnsafeMutablePointer(mutating: company)
                        properties.comments = UnsafeMutablePointer(mutating: comments)
                        return workbook_set_properties(workbook, &properties)
                    }
                }
            }
        }
        try XLSXFailure.check(error, "set the file's properties")
    }
}
