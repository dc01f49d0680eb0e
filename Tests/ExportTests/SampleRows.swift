import Export
import Foundation

/// Two conversations meant to break a careless writer: Chinese and English, emoji,
/// commas, quotes, line breaks, formula-like text, an open conversation with nothing
/// optional filled in, attachments with and without a size.
enum SampleRows {
    static let zone = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600)!

    static func document(_ rows: ExportRowKind, links: Bool = true, customerInfo: Bool = true) -> ExportDocument {
        ExportDocument(title: "客服会话导出, March \"Q1\"", tenantName: "示例科技 Ltd", exporterName: "李 Admin",
                       generatedAt: at("2026-03-02T01:00:00Z"), timeZone: zone, rows: rows,
                       includeAttachmentLinks: links, includeCustomerInfo: customerInfo)
    }

    static let closedID = UUID(uuidString: "6F1C2A3B-0000-4000-8000-000000000001")!
    static let openID = UUID(uuidString: "6F1C2A3B-0000-4000-8000-000000000002")!

    /// A closed, rated conversation with every optional fact.
    static let closed = ExportConversation(
        id: closedID, customerName: "张三", customerContact: "138****0000", channel: "wechat",
        agents: ["王小明", "Alice Smith"], department: "售后, 华东", status: "closed",
        startedAt: at("2026-03-01T02:15:00Z"), endedAt: at("2026-03-01T02:45:07.900Z"), firstResponseSeconds: 15,
        messageCount: 6, rating: "good", tags: ["VIP", "退款, refund"],
        customerFields: [CustomerField(name: "公司", value: "ACME, Inc."), CustomerField(name: "City", value: "上海")],
        customerTags: ["=HYPERLINK(\"http://evil.example\")", "老客户"])

    /// An open conversation with nothing optional: no contact, department, end, reply, rating or tags.
    static let open = ExportConversation(
        id: openID, customerName: "@bob", customerContact: nil, channel: "web", agents: [], department: nil,
        status: "open", startedAt: at("2026-03-01T16:30:00Z"), endedAt: nil, firstResponseSeconds: nil,
        messageCount: 5, rating: nil, tags: [])

    static let photo = ExportAttachment(name: "照片 1.jpg", mimeType: "image/jpeg", sizeBytes: 123_456,
                                        url: "https://files.example.com/t/photo.jpg?sig=a,b&x=\"1\"")
    static let invoice = ExportAttachment(name: "invoice.pdf", mimeType: "application/pdf", sizeBytes: nil,
                                          url: "https://files.example.com/t/invoice.pdf")

    static let closedMessages: [ExportMessage] = [
        message(1, closedID, "2026-03-01T02:15:03.750Z", "customer", "张三", "text", "你好，我的订单还没到 😊👍🏽"),
        message(2, closedID, "2026-03-01T02:15:18Z", "agent", "王小明",
                "text", "Hello, \"quoted\", and a comma\nsecond line\r\nthird line"),
        message(3, closedID, "2026-03-01T02:16:00Z", "customer", "张三", "text", "=cmd|' /C calc'!A0"),
        message(4, closedID, "2026-03-01T02:16:30Z", "customer", "张三", "image", "", attachment: photo),
        message(5, closedID, "2026-03-01T02:17:00Z", "agent", "Alice Smith", "text", "-1+2"),
        message(6, closedID, "2026-03-01T02:45:07Z", "system", "", "system", "会话已结束"),
    ]

    static let openMessages: [ExportMessage] = [
        message(7, openID, "2026-03-01T16:30:00Z", "customer", "@bob", "text", "+86 138 0000 0000"),
        message(8, openID, "2026-03-01T16:30:05Z", "customer", "@bob", "text", "\tTabbed start"),
        message(9, openID, "2026-03-01T16:30:06Z", "customer", "@bob", "text", "@SUM(1+1)*cmd|' /C calc'!A0"),
        message(10, openID, "2026-03-01T16:30:07Z", "customer", "@bob", "file", "  spaced  ", attachment: invoice),
        message(11, openID, "2026-03-01T16:31:00Z", "customer", "@bob", "text", "\rCR start, 中文"),
    ]

    /// Feeds the renderer as the worker does: each conversation, then its messages.
    static func feed(_ renderer: any ExportRenderer) throws {
        try renderer.add(closed)
        for message in closedMessages { try renderer.add(message) }
        try renderer.add(open)
        for message in openMessages { try renderer.add(message) }
    }

    static func message(_ n: Int, _ conversation: UUID, _ time: String, _ side: String, _ sender: String,
                        _ kind: String, _ text: String, attachment: ExportAttachment? = nil) -> ExportMessage {
        let customer = conversation == closedID ? "张三 (138****0000)" : "@bob"
        let channel = conversation == closedID ? "wechat" : "web"
        return ExportMessage(id: UUID(uuidString: String(format: "00000000-0000-4000-8000-%012d", n))!,
                             conversationID: conversation, sentAt: at(time), channel: channel, customer: customer,
                             senderSide: side, senderName: sender, kind: kind, text: text, attachment: attachment)
    }

    /// The instant an RFC 3339 literal names (fixtures only; a typo traps at once).
    static func at(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = text.contains(".") ? [.withInternetDateTime, .withFractionalSeconds]
            : [.withInternetDateTime]
        return formatter.date(from: text)!
    }

    /// A fresh folder for one test's files; removed by the caller.
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("parley-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Wall-clock text of `date` in the sample zone, by Foundation (not the renderers' own code).
    static func local(_ date: Date, _ pattern: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = zone
        formatter.dateFormat = pattern
        return formatter.string(from: date)
    }
}
