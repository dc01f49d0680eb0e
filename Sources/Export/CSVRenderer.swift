import Foundation

// Placeholder while the renderer is written (replaced before this work is done).
public final class CSVRenderer: ExportRenderer {
    public init(document: ExportDocument, destination: URL) throws { throw ExportRenderError("CSVRenderer not built yet") }
    public func add(_ conversation: ExportConversation) throws {}
    public func add(_ message: ExportMessage) throws {}
    public func finish() throws {}
}
