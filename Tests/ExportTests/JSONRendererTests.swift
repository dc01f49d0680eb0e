import Export
import Foundation
import Testing

@Suite("JSON export (a customer's data)")
struct JSONRendererTests {
    static func render(_ document: ExportDocument, in folder: URL,
                       feed: (any ExportRenderer) throws -> Void = SampleRows.feed) throws -> [String: Any] {
        let url = folder.appendingPathComponent("customer.json")
        let renderer = try ExportRenderers.make(.json, document: document, destination: url)
        try feed(renderer)
        try renderer.finish()
        guard let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
            throw ReadBack.Failure(description: "the file is not a JSON object")
        }
        return object
    }

    @Test("one valid document: the customer record as given, then each conversation with its messages in order")
    func documentInOrder() throws {
        let folder = try SampleRows.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var document = SampleRows.document(.messages)
        document.customerData = Data(#"{"name":"张三","notes":[]}"#.utf8)
        let object = try Self.render(document, in: folder)
        #expect(object["format"] as? String == "parley.customer-data.v1")
        #expect((object["customer"] as? [String: Any])?["name"] as? String == "张三")
        let conversations = try #require(object["conversations"] as? [[String: Any]])
        #expect(conversations.compactMap { ($0["id"] as? String).flatMap(UUID.init) } == [SampleRows.closedID, SampleRows.openID])
        #expect((conversations[0]["messages"] as? [[String: Any]])?.compactMap { $0["text"] as? String }
                == SampleRows.closedMessages.map(\.text))
        #expect((conversations[1]["messages"] as? [[String: Any]])?.count == SampleRows.openMessages.count)
    }

    @Test("no conversations, or a conversation without messages, still makes a valid document")
    func emptyParts() throws {
        let folder = try SampleRows.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let empty = try Self.render(SampleRows.document(.messages), in: folder) { _ in }
        #expect((empty["conversations"] as? [Any])?.isEmpty == true && empty["customer"] is NSNull)
        let bare = try Self.render(SampleRows.document(.messages), in: folder) { renderer in
            try renderer.add(SampleRows.closed)
            try renderer.add(SampleRows.open)
        }
        #expect((bare["conversations"] as? [[String: Any]])?.map { ($0["messages"] as? [Any])?.count } == [0, 0])
    }
}
