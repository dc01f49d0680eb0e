import Foundation

/// One kind of row (`document.rows`: messages or conversations) as CSV, written as rows arrive.
///
/// UTF-8 with a byte-order mark, because Excel opens a CSV without one in the
/// system's legacy code page and Chinese turns to mojibake; RFC 4180 quoting and CRLF
/// line ends; formula-like text neutralised (see `CSVField`); times in RFC 3339 with
/// the document's offset. Columns are `ExportColumns`, shared with XLSX.
public final class CSVRenderer: ExportRenderer {
    private let file: BufferedFile
    private let rows: Rows
    private var clock: ExportClock
    private var finished = false

    private enum Rows {
        case messages([ExportColumn<ExportMessage>])
        case conversations([ExportColumn<ExportConversation>])
    }

    public init(document: ExportDocument, destination: URL) throws {
        switch document.rows {
        case .messages:
            rows = .messages(ExportColumns.messages(includeAttachmentLinks: document.includeAttachmentLinks))
        case .conversations:
            rows = .conversations(ExportColumns.conversations(includeCustomerInfo: document.includeCustomerInfo))
        case .both:
            throw ExportRenderError(
                "a CSV file holds one kind of row: choose messages or conversations "
                    + "(both, as two sheets, is available in XLSX)")
        }
        clock = ExportClock(timeZone: document.timeZone)
        file = try BufferedFile(creating: destination)
        file.buffer.append(contentsOf: [0xEF, 0xBB, 0xBF])
        switch rows {
        case .messages(let columns): writeHeader(columns)
        case .conversations(let columns): writeHeader(columns)
        }
    }

    deinit {
        if !finished { file.discard() }
    }

    public func add(_ conversation: ExportConversation) throws {
        try checkOpen()
        // A messages file has no conversation rows: the conversation only announces its messages.
        guard case .conversations(let columns) = rows else { return }
        try writeRow(conversation, columns)
    }

    public func add(_ message: ExportMessage) throws {
        try checkOpen()
        guard case .messages(let columns) = rows else { return }
        try writeRow(message, columns)
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

    private func checkOpen() throws(ExportRenderError) {
        if finished { throw ExportRenderError("the CSV file is already finished") }
    }

    private func writeHeader<Row>(_ columns: [ExportColumn<Row>]) {
        for (index, column) in columns.enumerated() {
            if index > 0 { file.buffer.append(UInt8(ascii: ",")) }
            CSVField.appendText(column.title, to: &file.buffer)
        }
        file.buffer.append(contentsOf: [0x0D, 0x0A])
    }

    private func writeRow<Row>(_ row: Row, _ columns: [ExportColumn<Row>]) throws(ExportRenderError) {
        for (index, column) in columns.enumerated() {
            if index > 0 { file.buffer.append(UInt8(ascii: ",")) }
            switch column.cell(row) {
            case .text(let text): CSVField.appendText(text, to: &file.buffer)
            case .integer(let value): CSVField.appendInteger(value, to: &file.buffer)
            case .time(let date): file.buffer.append(contentsOf: clock.local(date).rfc3339.utf8)
            case .empty: break
            }
        }
        file.buffer.append(contentsOf: [0x0D, 0x0A])
        try file.flushIfFull()
    }
}
