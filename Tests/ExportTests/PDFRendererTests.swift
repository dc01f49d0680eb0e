import Foundation
import Testing
@testable import Export

/// The PDF transcript, read back the way a reader would with poppler-utils: every message's
/// text (Chinese included) comes out as text, fonts are embedded, images are in it, the
/// watermark is on every page, and memory does not grow with the rows.
@Suite("PDF renderer", .serialized)
struct PDFRendererTests {
    /// Renders the fixture transcript into a scratch folder.
    private func rendered(_ name: String, document: ExportDocument = PDFTestTranscript.document())
        throws -> (folder: ScratchFolder, pdf: URL, transcript: PDFTestTranscript) {
        let folder = try ScratchFolder(name)
        let pdf = folder.file("transcript.pdf")
        let transcript = PDFTestTranscript()
        try transcript.render(to: pdf, document: document)
        return (folder, pdf, transcript)
    }

    @Test("every message, the facts and the page numbers come out as text; more than one page")
    func transcriptText() throws {
        let (folder, pdf, transcript) = try rendered("text")
        defer { folder.remove() }
        let pages = try Poppler.pageCount(pdf)
        #expect(pages > 1)
        // -nodiag leaves the diagonal watermark out, so it does not interleave with the lines.
        let text = try Poppler.text(pdf, layout: true, diagonal: false)
        let body = PDFReadBack.body(text, chrome: [PDFTestTranscript.title, PDFTestTranscript.tenant])
        let uncovered = PDFReadBack.uncoveredScalars(in: transcript.allMessages.map(\.text))
        if !uncovered.isEmpty {
            print("PDF: no installed font draws \(uncovered.map { String($0) }.joined()); those draw as boxes and are not checked")
        }
        for message in transcript.allMessages where !message.text.isEmpty {
            let expected = PDFReadBack.squeezed(message.text, dropping: uncovered)
            #expect(body.contains(expected), "missing from the PDF text: \(message.text.prefix(60))")
        }
        for fact in ["张伟·138****5678", "EmmaWilson·e***@example.com", "售后服务After-sales", "1h23m45s", "城市City上海",
                     "老客户", "2024-05-0122:50:00(Asia/Shanghai)", "notended", "unrated",
                     "Attachment:photo.jpg·image/jpeg·658B·https://files.example.com/a/photo.jpg",
                     "[imagecouldnotbeloaded]broken.png", "2024-05-02"] {
            #expect(body.contains(fact), "missing from the PDF text: \(fact)")
        }
        let squeezedAll = PDFReadBack.squeezed(text)
        for page in 1...pages { #expect(squeezedAll.contains("page\(page)"), "no page number \(page)") }
        #expect(!squeezedAll.contains("page\(pages + 1)"))
        // The long message really did span pages: its last words are pages after its first.
        #expect(pages >= 5)
    }

    @Test("the watermark is on every page, and on none when the document has none")
    func watermark() throws {
        let (folder, pdf, _) = try rendered("watermark")
        defer { folder.remove() }
        let mark = PDFReadBack.squeezed(PDFTestTranscript.watermarkText)
        for page in 1...(try Poppler.pageCount(pdf)) {
            let text = try Poppler.run("pdftotext", ["-raw", "-f", "\(page)", "-l", "\(page)", pdf.path, "-"])
            #expect(PDFReadBack.squeezed(text).contains(mark), "no watermark on page \(page)")
        }

        let (plainFolder, plain, _) = try rendered("no-watermark", document: PDFTestTranscript.document(watermark: nil))
        defer { plainFolder.remove() }
        #expect(!PDFReadBack.squeezed(try Poppler.text(plain, layout: false)).contains(mark))
    }

    @Test("every font is embedded (a reader without Noto CJK still shows the Chinese)")
    func fontsEmbedded() throws {
        let (folder, pdf, _) = try rendered("fonts")
        defer { folder.remove() }
        let fonts = try Poppler.run("pdffonts", [pdf.path])
        let rows = fonts.split(separator: "\n").dropFirst(2)
        #expect(!rows.isEmpty)
        #expect(rows.contains { $0.contains("NotoSansCJK") })
        for row in rows {
            // Columns: name, type (may hold spaces), encoding, then emb sub uni as yes/no.
            let flags = row.split(separator: " ").filter { $0 == "yes" || $0 == "no" }
            #expect(flags.first == "yes", "font not embedded: \(row)")
        }
    }

    @Test("the PNG is drawn, the JPEG is embedded as JPEG, the broken image is a note; metadata is set")
    func imagesAndMetadata() throws {
        let (folder, pdf, _) = try rendered("images")
        defer { folder.remove() }
        let list = try Poppler.run("pdfimages", ["-list", pdf.path])
        let rows = list.split(separator: "\n").dropFirst(2).map { $0.split(separator: " ") }
        // page num type width height color comp bpc enc ...
        #expect(rows.count == 2, "images: \(list)")
        #expect(rows.contains { $0.count > 8 && $0[3] == "96" && $0[4] == "64" && $0[8] == "jpeg" }, "no JPEG: \(list)")
        #expect(rows.contains { $0.count > 8 && $0[3] == "200" && $0[4] == "120" && $0[8] == "image" }, "no PNG: \(list)")

        let info = try Poppler.info(pdf)
        #expect(info["Title"] == PDFTestTranscript.title)
        #expect(info["Creator"] == "Parley")
        #expect(info["Page size"]?.hasPrefix("595 x 842") == true)
    }

    @Test("pages render without poppler complaints; page 1 and the image page kept as PNG for a look")
    func pagesRender() throws {
        let (folder, pdf, _) = try rendered("pages")
        defer { folder.remove() }
        let prefix = folder.file("page").path
        let complaints = try Poppler.errors("pdftoppm", ["-r", "60", "-png", pdf.path, prefix])
        #expect(complaints.isEmpty, "pdftoppm: \(complaints)")
        let pngs = try FileManager.default.contentsOfDirectory(atPath: folder.url.path).filter { $0.hasSuffix(".png") }.sorted()
        #expect(pngs.count == (try Poppler.pageCount(pdf)))
        // The images are on page 2 of the fixture; copies stay in /tmp for a human to look at.
        for (page, name) in [(0, "/tmp/parley-pdf-page1.png"), (1, "/tmp/parley-pdf-images.png")] where page < pngs.count {
            try? FileManager.default.removeItem(atPath: name)
            try FileManager.default.copyItem(atPath: folder.file(pngs[page]).path, toPath: name)
        }
    }

    @Test("a message longer than several pages, an unbreakable word and thousands of blank lines all finish")
    func oversizedMessages() throws {
        let folder = try ScratchFolder("oversized")
        defer { folder.remove() }
        let pdf = folder.file("long.pdf")
        let long = (1...240).map { "第\($0)句：长消息必须逐行分页。" }.joined()
        let word = String(repeating: "x", count: 12_000) + "END"
        let blank = "start" + String(repeating: "\n", count: 3_000) + "stop"
        let renderer = try PDFRenderer(document: PDFTestTranscript.document(), destination: pdf, imageLoader: nil)
        let conversation = PDFTestTranscript().conversations[0].0
        try renderer.add(conversation)
        for (i, text) in [long, word, blank].enumerated() {
            try renderer.add(ExportMessage(id: UUID(), conversationID: conversation.id, sentAt: conversation.startedAt,
                                           channel: "web", customer: "张伟", senderSide: i == 1 ? "agent" : "customer",
                                           senderName: "张伟", kind: "text", text: text, attachment: nil))
        }
        try renderer.finish()
        #expect(try Poppler.pageCount(pdf) >= 6)
        let body = PDFReadBack.body(try Poppler.text(pdf, layout: true, diagonal: false),
                                    chrome: [PDFTestTranscript.title, PDFTestTranscript.tenant])
        #expect(body.contains(PDFReadBack.squeezed(long)))
        #expect(body.contains(word))
        #expect(body.contains("start") && body.contains("stop"))
    }

    @Test("an export with no conversations is one valid page")
    func empty() throws {
        let folder = try ScratchFolder("empty")
        defer { folder.remove() }
        let pdf = folder.file("empty.pdf")
        try PDFRenderer(document: PDFTestTranscript.document(), destination: pdf, imageLoader: nil).finish()
        #expect(try Poppler.pageCount(pdf) == 1)
        #expect(try Poppler.text(pdf, layout: false, diagonal: false).contains("No conversations in this export."))
    }

    @Test("a renderer dropped without finish deletes its partial file; a bad destination throws")
    func cleanup() throws {
        let folder = try ScratchFolder("cleanup")
        defer { folder.remove() }
        let pdf = folder.file("partial.pdf")
        do {
            let renderer = try PDFRenderer(document: PDFTestTranscript.document(), destination: pdf, imageLoader: nil)
            let transcript = PDFTestTranscript()
            try renderer.add(transcript.conversations[0].0)
            for message in transcript.conversations[0].1 { try renderer.add(message) }
            #expect(FileManager.default.fileExists(atPath: pdf.path))
        }
        #expect(!FileManager.default.fileExists(atPath: pdf.path))

        let nowhere = folder.file("missing-folder/out.pdf")
        #expect(throws: ExportRenderError.self) {
            try PDFRenderer(document: PDFTestTranscript.document(), destination: nowhere, imageLoader: nil)
        }

        let done = try PDFRenderer(document: PDFTestTranscript.document(), destination: folder.file("done.pdf"), imageLoader: nil)
        try done.finish()
        #expect(throws: ExportRenderError.self) { try done.finish() }
    }

    @Test("JPEG sizes come from SOF0/SOF2; anything malformed is refused without reading past the end")
    func jpegHeader() throws {
        #expect(JPEGHeader(PDFTestImages.jpeg) == JPEGHeader(width: 96, height: 64, components: 3, progressive: false))
        // SOI, a fill byte, APP0 with a short body, SOF2 (progressive) 300 × 200 grey.
        let progressive = Data([0xFF, 0xD8, 0xFF, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00,
                                0xFF, 0xC2, 0x00, 0x0B, 0x08, 0x00, 0xC8, 0x01, 0x2C, 0x01, 0x01, 0x11, 0x00])
        #expect(JPEGHeader(progressive) == JPEGHeader(width: 300, height: 200, components: 1, progressive: true))
        // The fixture's SOF0 segment ends at byte 108: any shorter prefix must be refused.
        for cut in [3, 10, 20, 50, 89, 100, 107] {
            #expect(JPEGHeader(PDFTestImages.jpeg.prefix(cut)) == nil, "truncated at \(cut)")
        }
        #expect(JPEGHeader(PDFTestImages.jpeg.prefix(108))?.width == 96)
        #expect(JPEGHeader(Data([0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xFF])) == nil) // a length past the end
        #expect(JPEGHeader(Data([0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02])) == nil) // scan before any frame
        #expect(JPEGHeader(Data([0xFF, 0xD8, 0xFF, 0xC3, 0x00, 0x0B, 0x08, 0, 1, 0, 1, 1, 1, 0x11, 0])) == nil) // lossless
        #expect(JPEGHeader(Data([0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0, 0, 0, 1, 1, 1, 0x11, 0])) == nil) // zero height
        #expect(JPEGHeader(Data("not a jpeg".utf8)) == nil)
    }

    @Test("broken, unsupported and oversized images are refused (the transcript shows a note)")
    func imageRefusals() throws {
        #expect(throws: PDFImageError.self) { try PDFImage.load(PDFTestImages.brokenPNG) }
        #expect(throws: PDFImageError.unsupportedFormat) { try PDFImage.load(Data("GIF89a....".utf8)) }
        var huge = PDFTestImages.png()
        huge.replaceSubrange(16..<24, with: [0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00]) // 65536 × 65536
        #expect(throws: PDFImageError.tooLarge(width: 65_536, height: 65_536)) { try PDFImage.load(huge) }
        let png = try PDFImage.load(PDFTestImages.png())
        #expect(png.drawnSize.width == 200 && png.drawnSize.height == 120)
        let jpeg = try PDFImage.load(PDFTestImages.jpeg)
        #expect(jpeg.pixelWidth == 96 && jpeg.pixelHeight == 64)
    }

    @Test("memory stays flat from 20,000 to 100,000 messages (pages are written as they fill)")
    func streamingMemory() throws {
        let folder = try ScratchFolder("stream")
        defer { folder.remove() }
        let pdf = folder.file("stream.pdf")
        let renderer = try PDFRenderer(document: PDFTestTranscript.document(), destination: pdf, imageLoader: nil)
        let conversation = PDFTestTranscript().conversations[0].0
        try renderer.add(conversation)
        let start = Date()
        var atSmall = 0
        var peak = 0
        for index in 0..<100_000 {
            let agent = index % 2 == 1
            try renderer.add(ExportMessage(
                id: UUID(), conversationID: conversation.id, sentAt: conversation.startedAt.addingTimeInterval(Double(index) * 9),
                channel: "wechat", customer: "张伟", senderSide: agent ? "agent" : "customer", senderName: agent ? "李娜" : "张伟",
                kind: "text", text: agent ? "好的，订单 \(index) 已经发货，请留意短信。" : "Hi, where is order \(index)? 谢谢",
                attachment: nil))
            if index == 19_999 { atSmall = try ProcessMemory.anonymousBytes() }
            if index > 19_999 && index % 5_000 == 0 { peak = max(peak, try ProcessMemory.anonymousBytes()) }
        }
        try renderer.finish()
        peak = max(peak, try ProcessMemory.anonymousBytes())
        let seconds = Date().timeIntervalSince(start)
        let size = (try FileManager.default.attributesOfItem(atPath: pdf.path)[.size] as? Int) ?? 0
        let pages = try Poppler.pageCount(pdf)
        print("PDF streaming: 100,000 messages, \(pages) pages, \(size / 1024) KiB in \(String(format: "%.1f", seconds)) s "
            + "= \(Int(Double(100_000) / seconds)) messages/s; anonymous resident after 20,000: \(atSmall / 1_048_576) MiB, "
            + "peak after: \(peak / 1_048_576) MiB (growth \((peak - atSmall) / 1024) KiB)")
        // Generous (other suites allocate in parallel): keeping cairo's record of every page
        // (5,000+ pages at ~10 KiB each) or every row would exceed it; measured growth is ~0.
        #expect(peak - atSmall < 64 * 1024 * 1024)
        #expect(pages > 5_000)
    }
}
