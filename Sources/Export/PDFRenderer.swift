import Foundation

// Placeholder while the renderer is written (replaced before this work is done).
public final class PDFRenderer: ExportRenderer {
    public init(document: ExportDocument, destination: URL, imageLoader: ImageLoader?) throws { throw ExportRenderError("PDFRenderer not built yet") }
    public func add(_ conversation: ExportConversation) throws {}
    public func add(_ message: ExportMessage) throws {}
    public func finish() throws {}
}
