import Export
import Foundation
import Testing

@Suite("TXT export")
struct TextRendererTests {
    static func render(_ document: ExportDocument, in folder: URL,
                       feed: (any ExportRenderer) throws -> Void = SampleRows.feed) throws -> String {
        let url = folder.appendingPathComponent("export.txt")
        let renderer = try ExportRenderers.make(.txt, document: document, destination: url)
        try feed(renderer)
        try renderer.finish()
        let data = try Data(contentsOf: url)
        guard let text = String(data: data, encoding: .utf8) else {
            throw ReadBack.Failure(description: "the transcript is not UTF-8")
        }
        return text
    }

    @Test("a transcript has the file header, each conversation's facts, then its messages in order")
    func transcriptInOrder() throws {
        let folder = try SampleRows.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = try Self.render(SampleRows.document(.messages), in: folder)
        let double = String(repeating: "=", count: 72)
        let single = String(repeating: "-", count: 72)
        let indent = String(repeating: " ", count: 21)
        let expected = [
            "客服会话导出, March \"Q1\"",
            "Tenant: 示例科技 Ltd",
            "Exported by: 李 Admin",
            "Generated: 2026-03-02 09:00:00 +08:00",
            "Time zone: Asia/Shanghai",
            "",
            double,
            "Conversation: 6f1c2a3b-0000-4000-8000-000000000001",
            "Customer: 张三 (138****0000)",
            "Channel: wechat",
            "Agents: 王小明, Alice Smith",
            "Department: 售后, 华东",
            "Status: closed",
            "Started: 2026-03-01 10:15:00",
            "Ended: 2026-03-01 10:45:07",
            "Duration: 0:30:07",
            "First response: 0:00:15",
            "Messages: 6",
            "Rating: good",
            "Tags: VIP, 退款, refund",
            "Customer tags: =HYPERLINK(\"http://evil.example\"), 老客户",
            "Customer fields:",
            "  公司: ACME, Inc.",
            "  City: 上海",
            single,
            "2026-03-01 10:15:03  Customer 张三: 你好，我的订单还没到 😊👍🏽",
            "2026-03-01 10:15:18  Agent 王小明: Hello, \"quoted\", and a comma",
            indent + "second line",
            indent + "third line",
            "2026-03-01 10:16:00  Customer 张三: =cmd|' /C calc'!A0",
            "2026-03-01 10:16:30  Customer 张三: [image] 照片 1.jpg (image/jpeg, 120.6 KB) "
                + "https://files.example.com/t/photo.jpg?sig=a,b&x=\"1\"",
            "2026-03-01 10:17:00  Agent Alice Smith: -1+2",
            "2026-03-01 10:45:07  System: 会话已结束",
            "",
            double,
            "Conversation: 6f1c2a3b-0000-4000-8000-000000000002",
            "Customer: @bob",
            "Channel: web",
            "Agents: -",
            "Department: -",
            "Status: open",
            "Started: 2026-03-02 00:30:00",
            "Ended: (still open)",
            "First response: -",
            "Messages: 5",
            "Rating: (not rated)",
            "Tags: -",
            "Customer tags: -",
            "Customer fields: -",
            single,
            "2026-03-02 00:30:00  Customer @bob: +86 138 0000 0000",
            "2026-03-02 00:30:05  Customer @bob: \tTabbed start",
            "2026-03-02 00:30:06  Customer @bob: @SUM(1+1)*cmd|' /C calc'!A0",
            "2026-03-02 00:30:07  Customer @bob:   spaced  ",
            indent + "[file] invoice.pdf (application/pdf) https://files.example.com/t/invoice.pdf",
            "2026-03-02 00:31:00  Customer @bob: ",
            indent + "CR start, 中文",
        ]
        #expect(!text.contains("\r"))
        #expect(text.hasSuffix("\n"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        #expect(lines.count == expected.count)
        for (number, (line, want)) in zip(lines, expected).enumerated() {
            #expect(line == want, "line \(number + 1)")
        }
    }

    @Test("without links an attachment shows only its kind, and customer info is left out unless asked")
    func linksAndCustomerInfoLeftOut() throws {
        let folder = try SampleRows.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = try Self.render(SampleRows.document(.messages, links: false, customerInfo: false), in: folder)
        #expect(text.contains("2026-03-01 10:16:30  Customer 张三: [image]\n"))
        #expect(!text.contains("https://"))
        #expect(!text.contains("invoice.pdf"))
        #expect(!text.contains("Customer tags:"))
        #expect(!text.contains("公司"))
    }

    @Test("a sender's line breaks and terminal control characters cannot forge transcript lines")
    func untrustedTextContained() throws {
        let folder = try SampleRows.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var forged = SampleRows.closed
        forged.customerName = "Eve\nStatus: closed"
        var message = SampleRows.closedMessages[0]
        message.senderName = "Eve\r\n2026-03-01 10:00:00  Agent"
        message.text = "hi\n2026-03-01 10:00:00  Agent 王小明: send the password\u{1B}[2J\u{9B}31m"
        let text = try Self.render(SampleRows.document(.messages), in: folder) { renderer in
            try renderer.add(forged)
            try renderer.add(message)
        }
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains("Customer: Eve Status: closed (138****0000)"))
        #expect(lines.contains("2026-03-01 10:15:03  Customer Eve 2026-03-01 10:00:00  Agent: hi"))
        #expect(lines.contains(String(repeating: " ", count: 21)
                + "2026-03-01 10:00:00  Agent 王小明: send the password\u{FFFD}[2J\u{FFFD}31m"))
        #expect(!lines.contains { $0.hasPrefix("2026-03-01 10:00:00") })
        #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x9B })
    }

    @Test("a transcript given up on before finish leaves no partial file")
    func abandonedLeavesNothing() throws {
        let folder = try SampleRows.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("export.txt")
        do {
            let renderer = try ExportRenderers.make(.txt, document: SampleRows.document(.messages), destination: url)
            try SampleRows.feed(renderer)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }
}
