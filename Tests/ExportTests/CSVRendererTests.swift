import Export
import Foundation
import Testing

@Suite("CSV export")
struct CSVRendererTests {
    static let messageHeader = [
        "Time", "Conversation ID", "Channel", "Customer", "Sender Side", "Sender Name", "Kind", "Text",
        "Attachment Name", "Attachment Type", "Attachment Size (bytes)", "Attachment URL",
    ]
    static let conversationHeader = [
        "Conversation ID", "Customer", "Customer Contact", "Channel", "Agents", "Department", "Status", "Started",
        "Ended", "Duration (s)", "First Response (s)", "Messages", "Rating", "Tags", "Customer Tags", "Customer Fields",
    ]

    /// What a spreadsheet user must see for a text cell: OWASP's leading `'` before a
    /// formula-like start, the text unchanged otherwise.
    static func shown(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return text }
        return "'" + text
    }

    static func rfc3339(_ date: Date) -> String { SampleRows.local(date, "yyyy-MM-dd'T'HH:mm:ssxxx") }

    static func expectedRow(_ m: ExportMessage) -> [String] {
        [rfc3339(m.sentAt), m.conversationID.uuidString.lowercased(), shown(m.channel), shown(m.customer),
         shown(m.senderSide), shown(m.senderName), shown(m.kind), shown(m.text),
         m.attachment.map { shown($0.name) } ?? "", m.attachment.map { shown($0.mimeType) } ?? "",
         m.attachment?.sizeBytes.map(String.init) ?? "", m.attachment.map { shown($0.url) } ?? ""]
    }

    static func expectedRow(_ c: ExportConversation) -> [String] {
        [c.id.uuidString.lowercased(), shown(c.customerName), c.customerContact.map(shown) ?? "", shown(c.channel),
         shown(c.agents.joined(separator: ", ")), c.department.map(shown) ?? "", shown(c.status),
         rfc3339(c.startedAt), c.endedAt.map(rfc3339) ?? "",
         c.endedAt.map { String(Int($0.timeIntervalSince(c.startedAt))) } ?? "",
         c.firstResponseSeconds.map(String.init) ?? "", String(c.messageCount), c.rating.map(shown) ?? "",
         shown(c.tags.joined(separator: ", ")), shown(c.customerTags.joined(separator: ", ")),
         shown(c.customerFields.map { "\($0.name): \($0.value)" }.joined(separator: "; "))]
    }

    static func render(_ document: ExportDocument, in folder: URL) throws -> URL {
        let url = folder.appendingPathComponent("export.csv")
        let renderer = try ExportRenderers.make(.csv, document: document, destination: url)
        try SampleRows.feed(renderer)
        try renderer.finish()
        return url
    }

    @Test("a messages CSV reads back cell by cell: BOM, CRLF, quoting, times with offset")
    func messagesReadBack() throws {
        let folder = try SampleRows.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try ReadBack.csv(try Self.render(SampleRows.document(.messages), in: folder))

        #expect(file.bom)
        #expect(file.otherEnds == 0)
        let messages = SampleRows.closedMessages + SampleRows.openMessages
        #expect(file.crlfEnds == messages.count + 1)
        #expect(file.rows.first == Self.messageHeader)
        try #require(file.rows.count == messages.count + 1)
        for (row, message) in zip(file.rows.dropFirst(), messages) {
            #expect(row == Self.expectedRow(message))
        }
        // Spot checks in the product's own words.
        #expect(file.rows[1][0] == "2026-03-01T10:15:03+08:00")
        #expect(file.rows[2][7] == "Hello, \"quoted\", and a comma\nsecond line\r\nthird line")
        #expect(file.rows[1][7] == "你好，我的订单还没到 😊👍🏽")
    }

    @Test("formula-like text starts with an apostrophe; numbers and times do not")
    func formulaInjectionNeutralised() throws {
        let folder = try SampleRows.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let rows = try ReadBack.csv(try Self.render(SampleRows.document(.messages), in: folder)).rows
        let texts = rows.dropFirst().map { $0[7] }
        #expect(texts.contains("'=cmd|' /C calc'!A0"))
        #expect(texts.contains("'-1+2"))
        #expect(texts.contains("'+86 138 0000 0000"))
        #expect(texts.contains("'\tTabbed start"))
        #expect(texts.contains("'@SUM(1+1)*cmd|' /C calc'!A0"))
        #expect(texts.contains("'\rCR start, 中文"))
        // A customer name, not only message text, is neutralised.
        #expect(rows.dropFirst().filter { $0[3] == "@bob" }.isEmpty)
        #expect(rows.last?[3] == "'@bob")
        #expect(rows[4][10] == "123456")
        #expect(rows.dropFirst().allSatisfy { !$0[0].hasPrefix("'") })
    }

    @Test("a conversations CSV holds one row per conversation, with customer info and durations in seconds")
    func conversationsReadBack() throws {
        let folder = try SampleRows.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try ReadBack.csv(try Self.render(SampleRows.document(.conversations), in: folder))

        #expect(file.bom)
        #expect(file.otherEnds == 0)
        #expect(file.rows.first == Self.conversationHeader)
        #expect(file.rows.count == 3)
        try #require(file.rows.count == 3)
        #expect(file.rows[1] == Self.expectedRow(SampleRows.closed))
        #expect(file.rows[2] == Self.expectedRow(SampleRows.open))
        #expect(file.rows[1][9] == "1807")
        #expect(file.rows[1][8] == "2026-03-01T10:45:07+08:00")
        #expect(file.rows[1][14] == "'=HYPERLINK(\"http://evil.example\"), 老客户")
        #expect(file.rows[1][15] == "公司: ACME, Inc.; City: 上海")
        #expect(file.rows[2][8] == "" && file.rows[2][12] == "" && file.rows[2][2] == "")
    }

    @Test("without attachment links or customer info those columns are left out")
    func optionalColumnsLeftOut() throws {
        let folder = try SampleRows.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let messages = try ReadBack.csv(try Self.render(SampleRows.document(.messages, links: false), in: folder))
        #expect(messages.rows.first == Array(Self.messageHeader.prefix(8)))
        #expect(messages.rows.allSatisfy { $0.count == 8 })
        let conversations = try ReadBack.csv(
            try Self.render(SampleRows.document(.conversations, customerInfo: false), in: folder))
        #expect(conversations.rows.first == Array(Self.conversationHeader.prefix(14)))
        #expect(conversations.rows.allSatisfy { $0.count == 14 })
    }

    @Test("times carry the offset in force at each moment, across daylight-saving changes and out of order")
    func offsetsAcrossDaylightSaving() throws {
        let folder = try SampleRows.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        var document = SampleRows.document(.messages)
        document.timeZone = berlin
        let times = ["2026-03-29T00:59:59Z", "2026-03-29T01:00:00Z", "2026-10-25T00:59:59Z", "2026-10-25T01:00:00Z",
                     "2026-01-15T12:00:00Z", "2026-07-01T12:00:00.999Z"]
        let url = folder.appendingPathComponent("export.csv")
        let renderer = try ExportRenderers.make(.csv, document: document, destination: url)
        for time in times {
            var message = SampleRows.closedMessages[0]
            message.sentAt = SampleRows.at(time)
            try renderer.add(message)
        }
        try renderer.finish()
        let column = try ReadBack.csv(url).rows.dropFirst().map { $0[0] }
        #expect(column == ["2026-03-29T01:59:59+01:00", "2026-03-29T03:00:00+02:00", "2026-10-25T02:59:59+02:00",
                           "2026-10-25T02:00:00+01:00", "2026-01-15T13:00:00+01:00", "2026-07-01T14:00:00+02:00"])
    }

    @Test("CSV refuses both row kinds at once, saying why, and writes no file")
    func bothRefused() throws {
        let folder = try SampleRows.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("export.csv")
        let error = #expect(throws: ExportRenderError.self) {
            _ = try ExportRenderers.make(.csv, document: SampleRows.document(.both), destination: url)
        }
        #expect(error?.description.contains("one kind of row") == true)
        #expect(error?.description.contains("XLSX") == true)
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }

    @Test("a CSV renderer given up on before finish leaves no partial file")
    func abandonedLeavesNothing() throws {
        let folder = try SampleRows.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("export.csv")
        do {
            let renderer = try ExportRenderers.make(.csv, document: SampleRows.document(.messages), destination: url)
            try SampleRows.feed(renderer)
            #expect(FileManager.default.fileExists(atPath: url.path))
        }
        #expect(!FileManager.default.fileExists(atPath: url.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test("nothing may be added after finish")
    func finishedIsFinal() throws {
        let folder = try SampleRows.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("export.csv")
        let renderer = try ExportRenderers.make(.csv, document: SampleRows.document(.messages), destination: url)
        try renderer.finish()
        #expect(throws: ExportRenderError.self) { try renderer.add(SampleRows.closedMessages[0]) }
        #expect(FileManager.default.fileExists(atPath: url.path))
    }
}
