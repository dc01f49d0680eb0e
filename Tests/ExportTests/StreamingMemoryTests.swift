import Export
import Foundation
import Testing

/// Streaming is a correctness property: a renderer that kept rows (or its output) in
/// memory would grow with the export. Ten times the rows must not cost more than a
/// fixed allowance over the smaller run. Not a speed test: nothing here is timed.
@Suite("Streaming exports", .serialized)
struct StreamingMemoryTests {
    /// Generous: the 200,000-row files are well over this (CSV ≈ 85 MB), so keeping
    /// the output or the rows would break it, while allocator noise does not.
    static let allowance = 64 * 1024 * 1024

    @Test("memory stays flat from 20,000 to 200,000 message rows", arguments: [ExportFormat.csv, .xlsx])
    func memoryFlat(format: ExportFormat) throws {
        let folder = try SampleRows.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // The small run goes first: it also absorbs the one-off allocations of suites
        // starting in parallel in this process (fonts, caches), which would otherwise
        // be counted against the large one.
        let small = try Self.render(format, rows: 20_000, in: folder)
        let large = try Self.render(format, rows: 200_000, in: folder)
        print("""
            streaming \(format.rawValue): 20,000 rows → +\(small.growth / 1024) KiB anonymous resident \
            (file \(small.bytes / 1024) KiB); 200,000 rows → +\(large.growth / 1024) KiB anonymous resident \
            (file \(large.bytes / 1024) KiB)
            """)
        #expect(large.growth < small.growth + Self.allowance,
                "resident memory grew by \(large.growth / 1024) KiB for 200,000 rows vs \(small.growth / 1024) KiB for 20,000")
        #expect(large.growth < Self.allowance)
        if format == .csv {
            // The check has teeth: holding this file in memory would exceed the allowance.
            #expect(large.bytes > Self.allowance)
        }
    }

    /// Renders `rows` generated messages (none kept) and returns the peak growth of
    /// anonymous resident memory while doing so, sampled every 5,000 rows and after `finish`.
    static func render(_ format: ExportFormat, rows: Int, in folder: URL) throws -> (growth: Int, bytes: Int) {
        let url = folder.appendingPathComponent("stream-\(rows).\(format.fileExtension)")
        defer { try? FileManager.default.removeItem(at: url) }
        let before = try residentBytes()
        var peak = before
        do {
            let renderer = try ExportRenderers.make(format, document: SampleRows.document(.messages), destination: url)
            try renderer.add(SampleRows.closed)
            for index in 0..<rows {
                try renderer.add(message(index))
                if index % 5_000 == 0 { peak = max(peak, try residentBytes()) }
            }
            try renderer.finish()
            peak = max(peak, try residentBytes())
        }
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int ?? 0
        return (peak - before, size)
    }

    /// A distinct, realistic message: Chinese and English, a comma (so CSV quotes it), every tenth with a file.
    static func message(_ index: Int) -> ExportMessage {
        let text = "第\(index)条消息：您好，您的订单 #\(100_000 + index) 已发货，预计三天内送达，请留意短信通知。"
            + "Hello, your order #\(100_000 + index) has shipped; tracking number SF\(index &* 7919 % 1_000_000_007). "
            + "如有任何问题，请随时联系我们的客服团队，我们将竭诚为您服务。Thank you for shopping with us!"
        let attachment = index % 10 == 0
            ? ExportAttachment(name: "receipt-\(index).pdf", mimeType: "application/pdf", sizeBytes: Int64(index),
                               url: "https://files.example.com/t/receipt-\(index).pdf")
            : nil
        return ExportMessage(id: UUID(), conversationID: SampleRows.closedID,
                             sentAt: SampleRows.closed.startedAt.addingTimeInterval(Double(index)), channel: "wechat",
                             customer: "张三 (138****0000)", senderSide: index % 2 == 0 ? "customer" : "agent",
                             senderName: index % 2 == 0 ? "张三" : "王小明", kind: attachment == nil ? "text" : "file",
                             text: text, attachment: attachment)
    }

    /// Anonymous resident memory now (Linux: `RssAnon` in /proc/self/status): the heap
    /// and other private pages, leaving out mapped files such as the fonts and
    /// libraries that other tests running in parallel may load.
    static func residentBytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("RssAnon:") }),
              let kib = Int(line.dropFirst("RssAnon:".count).trimmingCharacters(in: .whitespaces)
                  .replacingOccurrences(of: " kB", with: "")) else {
            throw ReadBack.Failure(description: "cannot read RssAnon from /proc/self/status")
        }
        return kib * 1024
    }
}
