import Foundation

/// What a message's bubble says: its text, then a note when an image could not be drawn,
/// then the attachment line when the document includes attachment links.
enum PDFMessageText {
    static func body(_ m: ExportMessage, document: ExportDocument, imageFailed: Bool, imageDrawn: Bool) -> String {
        var parts: [String] = []
        if !m.text.isEmpty { parts.append(m.text) }
        if let a = m.attachment {
            if imageFailed { parts.append("[image could not be loaded] \(a.name)") }
            if document.includeAttachmentLinks { parts.append(attachmentLine(a)) }
        }
        // Nothing else to show (say a voice note without links): say what kind of message it was.
        if parts.isEmpty && !imageDrawn { parts.append("[\(m.kind)]") }
        return parts.joined(separator: "\n")
    }

    /// "Attachment: name · type · size · URL".
    static func attachmentLine(_ a: ExportAttachment) -> String {
        var line = "Attachment: \(a.name) · \(a.mimeType)"
        if let size = a.sizeBytes { line += " · \(byteSize(size))" }
        return line + " · \(a.url)"
    }

    /// "812 B", "12.4 KB", "3.1 MB" (1 KB = 1024 B).
    static func byteSize(_ bytes: Int64) -> String {
        let b = Double(max(0, bytes))
        if b < 1024 { return "\(Int64(b)) B" }
        let units = ["KB", "MB", "GB", "TB"]
        var value = b / 1024
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let tenths = (value * 10).rounded() / 10
        return "\(tenths.truncatingRemainder(dividingBy: 1) == 0 ? String(Int(tenths)) : String(tenths)) \(units[unit])"
    }

    /// "customer", "agent", "system"; anything else as it came.
    static func meta(time: String, m: ExportMessage) -> String {
        let name = m.senderName.isEmpty ? m.senderSide : m.senderName
        return "\(time)  \(name) · \(m.senderSide)"
    }
}
