import Export
import Foundation

/// A Chinese + English transcript for the PDF tests: two conversations, 60+ messages, one
/// Chinese message longer than a page, emoji, a system message, a PNG, a JPEG and a broken image.
struct PDFTestTranscript {
    static let shanghai = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone.current
    static let watermarkText = "内部资料 · 王小明 · 2024-05-02 10:30"
    static let title = "会话记录 Conversation export"
    static let tenant = "示例科技 Example Co"

    var conversations: [(ExportConversation, [ExportMessage])] = []

    static func document(watermark: String? = watermarkText, embedImages: Bool = true) -> ExportDocument {
        ExportDocument(title: title, tenantName: tenant, exporterName: "王小明", generatedAt: Date(timeIntervalSince1970: 1_714_617_000),
                       timeZone: shanghai, rows: .messages, includeAttachmentLinks: true, includeCustomerInfo: true,
                       embedImages: embedImages, watermark: watermark)
    }

    /// Answers the attachments by URL, as the worker's loader would after fetching them.
    static let imageLoader: ImageLoader = { attachment in
        switch attachment.url {
        case "https://files.example.com/a/screenshot.png": PDFTestImages.png()
        case "https://files.example.com/a/photo.jpg": PDFTestImages.jpeg
        case "https://files.example.com/a/broken.png": PDFTestImages.brokenPNG
        default: nil
        }
    }

    /// A Chinese message of about 3,900 characters (~110 wrapped lines; a page holds ~50),
    /// numbered so a lost or repeated piece would show.
    static let longChinese: String = (1...60).map { "第\($0)段：这是一条非常长的中文消息，用来检查分页是否正确，文字不能丢失也不能重复。" }
        .joined()

    init() {
        let start = Date(timeIntervalSince1970: 1_714_575_000) // 2024-05-01 22:50 in Shanghai
        let first = UUID()
        let c1 = ExportConversation(id: first, customerName: "张伟", customerContact: "138****5678", channel: "wechat",
                                    agents: ["李娜", "Tom Baker"], department: "售后服务 After-sales", status: "closed",
                                    startedAt: start, endedAt: start.addingTimeInterval(5025), firstResponseSeconds: 42,
                                    messageCount: 36, rating: "good", tags: ["退款 refund", "VIP"],
                                    customerFields: [CustomerField(name: "城市 City", value: "上海"),
                                                     CustomerField(name: "Plan", value: "Pro")],
                                    customerTags: ["老客户"])
        var m1: [ExportMessage] = []
        func message(_ conversation: UUID, _ at: Date, _ side: String, _ name: String, _ text: String,
                     kind: String = "text", attachment: ExportAttachment? = nil) -> ExportMessage {
            ExportMessage(id: UUID(), conversationID: conversation, sentAt: at, channel: "wechat", customer: "张伟",
                          senderSide: side, senderName: name, kind: kind, text: text, attachment: attachment)
        }
        var t = start
        func next(_ seconds: Double = 95) -> Date {
            t = t.addingTimeInterval(seconds)
            return t
        }
        let chinese = [
            "你好，我上周买的耳机有问题，左边没有声音。",
            "您好！很抱歉给您带来不便，请问订单号是多少？",
            "订单号是 20240428-7781，收货地址在上海市浦东新区。",
            "好的，我查一下。请问耳机是否有外观损坏？",
            "没有损坏，就是左耳完全没声音，重启也没用。",
            "明白了，我们可以为您办理换货或者退款，您更希望哪一种？",
            "我想退款，谢谢。",
            "好的，退款会在三到五个工作日内原路返回。",
        ]
        for (i, text) in chinese.enumerated() {
            m1.append(message(first, next(), i % 2 == 0 ? "customer" : "agent", i % 2 == 0 ? "张伟" : "李娜", text))
        }
        m1.append(message(first, next(30), "system", "系统", "会话已转接给 Tom Baker (transferred)", kind: "system"))
        m1.append(message(first, next(), "agent", "Tom Baker", "Hi 张伟, I have taken over. Could you send a photo of the earphones? 👍"))
        m1.append(message(first, next(), "customer", "张伟", "好的 😀 马上发 thanks!"))
        m1.append(message(first, next(), "customer", "张伟", "", kind: "image",
                          attachment: ExportAttachment(name: "photo.jpg", mimeType: "image/jpeg", sizeBytes: 658,
                                                       url: "https://files.example.com/a/photo.jpg")))
        m1.append(message(first, next(), "agent", "Tom Baker", "Thanks. Here is the return label:", kind: "image",
                          attachment: ExportAttachment(name: "screenshot.png", mimeType: "image/png", sizeBytes: 2_310,
                                                       url: "https://files.example.com/a/screenshot.png")))
        m1.append(message(first, next(), "customer", "张伟", "这张图片打不开", kind: "image",
                          attachment: ExportAttachment(name: "broken.png", mimeType: "image/png", sizeBytes: 36,
                                                       url: "https://files.example.com/a/broken.png")))
        m1.append(message(first, next(), "customer", "张伟", Self.longChinese))
        for i in 1...20 {
            let agent = i % 2 == 0
            m1.append(message(first, next(40), agent ? "agent" : "customer", agent ? "Tom Baker" : "张伟",
                              agent ? "Reply \(i): noted, the refund for order 20240428-7781 is in progress."
                                    : "第\(i)条：请问退款进度如何？我还需要提供什么材料吗？"))
        }
        m1.append(message(first, next(), "agent", "Tom Baker", "Done — 退款已提交。Anything else? 有其他问题随时联系我们。"))
        conversations.append((c1, m1))

        let second = UUID()
        let start2 = Date(timeIntervalSince1970: 1_714_640_000)
        let c2 = ExportConversation(id: second, customerName: "Emma Wilson", customerContact: "e***@example.com",
                                    channel: "web", agents: ["Li Na"], department: nil, status: "open",
                                    startedAt: start2, endedAt: nil, firstResponseSeconds: nil, messageCount: 30,
                                    rating: nil, tags: [])
        var m2: [ExportMessage] = []
        t = start2
        for i in 1...30 {
            let agent = i % 3 == 0
            m2.append(message(second, next(20), agent ? "agent" : "customer", agent ? "Li Na" : "Emma Wilson",
                              agent ? "Answer \(i): you can change the plan under Settings → Billing; 设置后立即生效。"
                                    : "Question \(i): how do I upgrade my plan to Business and keep my history?"))
        }
        conversations.append((c2, m2))
    }

    var allMessages: [ExportMessage] { conversations.flatMap(\.1) }

    func render(to url: URL, document: ExportDocument = document()) throws {
        let renderer = try ExportRenderers.make(.pdf, document: document, destination: url, imageLoader: Self.imageLoader)
        for (conversation, messages) in conversations {
            try renderer.add(conversation)
            for message in messages { try renderer.add(message) }
        }
        try renderer.finish()
    }
}
