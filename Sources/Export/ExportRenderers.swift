import Foundation

/// The renderer for a format, writing to `destination` (a local file the caller uploads).
public enum ExportRenderers {
    /// CSV and XLSX hold `document.rows`; PDF and TXT are always transcripts (each
    /// conversation's facts, then its messages).
    public static func make(_ format: ExportFormat, document: ExportDocument, destination: URL,
                            imageLoader: ImageLoader? = nil) throws -> any ExportRenderer {
        switch format {
        case .csv: try CSVRenderer(document: document, destination: destination)
        case .txt: try TextRenderer(document: document, destination: destination)
        case .xlsx: try XLSXRenderer(document: document, destination: destination)
        case .pdf: try PDFRenderer(document: document, destination: destination, imageLoader: imageLoader)
        case .json: try JSONRenderer(document: document, destination: destination)
        }
    }
}
