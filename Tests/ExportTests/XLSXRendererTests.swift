import Export
import Foundation
import Testing

@Suite("XLSX export")
struct XLSXRendererTests {
    typealias Cell = ReadBack.Cell

    static let dateFormat = "yyyy-mm-dd hh:mm:ss"

    static func text(_ value: String) -> Cell { value.isEmpty ? .empty : .text(value) }
    static func date(_ value: Date) -> Cell {
        .date(SampleRows.local(value, "yyyy-MM-dd'T'HH:mm:ss"), format: dateFormat)
    }

    /// Text exactly as given: an XLSX string cell is never a formula, so nothing is neutralised.
    static func expectedRow(_ m: ExportMessage) -> [Cell] {
        [date(m.sentAt), .text(m.conversationID.uuidString.lowercased()), text(m.channel), text(m.customer),
         text(m.senderSide), text(m.senderName), text(m.kind), text(m.text),
         m.attachment.map { text($0.name) } ?? .empty, m.attachment.map { text($0.mimeType) } ?? .empty,
         m.attachment?.sizeBytes.map { .number(Double($0)) } ?? .empty, m.attachment.map { text($0.url) } ?? .empty]
    }

    static func expectedRow(_ c: ExportConversation) -> [Cell] {
        [.text(c.id.uuidString.lowercased()), text(c.customerName), c.customerContact.map(text) ?? .empty,
         text(c.channel), text(c.agents.joined(separator: ", ")), c.department.map(text) ?? .empty, text(c.status),
         date(c.startedAt), c.endedAt.map(date) ?? .empty,
         c.endedAt.map { .number(Double(Int($0.timeIntervalSince(c.startedAt)))) } ?? .empty,
         c.firstResponseSeconds.map { .number(Double($0)) } ?? .empty, .number(Double(c.messageCount)),
         c.rating.map(text) ?? .empty, text(c.tags.joined(separator: ", ")),
         text(c.customerTags.joined(separator: ", ")),
         text(c.customerFields.map { "\($0.name): \($0.value)" }.joined(separator: "; "))]
    }

    static func render(_ document: ExportDocument, in folder: URL) throws -> URL {
        let url = folder.appendingPathComponent("export.xlsx")
        let renderer = try ExportRenderers.make(.xlsx, document: document, destination: url)
        try SampleRows.feed(renderer)
        try renderer.finish()
        return url
    }

    @Test("both row kinds give two sheets, fed in turn, that read back cell by cell")
    func bothSheetsReadBack() throws {
        let folder = try SampleRows.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let book = try ReadBack.xlsx(try Self.render(SampleRows.document(.both), in: folder))

        #expect(book.sheets.map(\.title) == ["Conversations", "Messages"])
        let conversations = try book.sheet("Conversations")
        #expect(conversations.rows.first == CSVRendererTests.conversationHeader.map(Cell.text))
        try #require(conversations.rows.count == 3)
        #expect(conversations.rows[1] == Self.expectedRow(SampleRows.closed))
        #expect(conversations.rows[2] == Self.expectedRow(SampleRows.open))
        #expect(conversations.rows[1][7] == .date("2026-03-01T10:15:00", format: Self.dateFormat))
        #expect(conversations.rows[1][9] == .number(1807))

        let messages = try book.sheet("Messages")
        let expected = SampleRows.closedMessages + SampleRows.openMessages
        #expect(messages.rows.first == CSVRendererTests.messageHeader.map(Cell.text))
        try #require(messages.rows.count == expected.count + 1)
        for (row, message) in zip(messages.rows.dropFirst(), expected) {
            #expect(row == Self.expectedRow(message))
        }
        #expect(messages.rows[1][0] == .date("2026-03-01T10:15:03", format: Self.dateFormat))
        #expect(messages.rows[3][7] == .text("=cmd|' /C calc'!A0"))
        #expect(messages.rows[5][7] == .text("-1+2"))
        #expect(messages.rows[4][10] == .number(123_456))

        for sheet in [conversations, messages] {
            #expect(sheet.freeze == "A2")
            #expect(sheet.headerBold)
        }
        #expect(conversations.filter == "A1:P3")
        #expect(messages.filter == "A1:L12")
        #expect((messages.widths["H"] ?? 0) >= 60)
        #expect(messages.widths.count == 12)
        #expect(book.title == "客服会话导出, March \"Q1\"")
        #expect(book.creator == "李 Admin")
        #expect(book.description == "Times are in Asia/Shanghai.")
        // The sheets' temporary files were in this folder and are gone.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["export.xlsx"])
    }

    @Test("a messages workbook has the one sheet, without attachment columns when links are off")
    func messagesOnly() throws {
        let folder = try SampleRows.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let book = try ReadBack.xlsx(try Self.render(SampleRows.document(.messages, links: false), in: folder))
        #expect(book.sheets.map(\.title) == ["Messages"])
        let sheet = try book.sheet("Messages")
        #expect(sheet.rows.first == CSVRendererTests.messageHeader.prefix(8).map(Cell.text))
        #expect(sheet.filter == "A1:H12")
    }

    @Test("text beyond Excel's 32,767-character cell limit is cut at a character, with a marker")
    func overlongTextTruncated() throws {
        let folder = try SampleRows.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("export.xlsx")
        let long = String(repeating: "长", count: 32_760) + String(repeating: "😊", count: 100)
        var message = SampleRows.closedMessages[0]
        message.text = long
        let renderer = try ExportRenderers.make(.xlsx, document: SampleRows.document(.messages), destination: url)
        try renderer.add(SampleRows.closed)
        try renderer.add(message)
        try renderer.finish()

        let sheet = try ReadBack.xlsx(url).sheet("Messages")
        guard case .text(let cell) = sheet.rows[1][7] else {
            Issue.record("the text cell is \(sheet.rows[1][7])")
            return
        }
        #expect(cell.utf16.count <= 32_767)
        #expect(cell.hasSuffix("…[truncated]"))
        #expect(long.hasPrefix(cell.replacingOccurrences(of: " …[truncated]", with: "")))
        #expect(cell.count > 32_000)
    }

    @Test("an XLSX renderer given up on before finish leaves no file and no temporary files")
    func abandonedLeavesNothing() throws {
        let folder = try SampleRows.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("export.xlsx")
        do {
            let renderer = try ExportRenderers.make(.xlsx, document: SampleRows.document(.both), destination: url)
            try SampleRows.feed(renderer)
            #expect(try Self.openFiles(under: folder).count >= 2, "one temporary file per sheet while rendering")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        // Each sheet's temporary file (unlinked at once by libxlsxwriter) was also closed.
        #expect(try Self.openFiles(under: folder).isEmpty)
    }

    /// Files this process holds open inside `folder`, deleted or not (Linux's /proc).
    static func openFiles(under folder: URL) throws -> [String] {
        let fds = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")
        return fds.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)") }
            .filter { $0.hasPrefix(folder.path) }
    }
}
