import Foundation

/// The facts block at the top of each conversation, as Pango markup: a bold title line, then
/// one "key<tab>value" paragraph per fact (the layout's tab stop and hanging indent line the
/// values up, wrapped lines included).
enum PDFConversationHeader {
    /// Where values start, in points from the block's left edge.
    static let keyColumn = 92.0

    static func markup(_ c: ExportConversation, document: ExportDocument, clock: PDFClock) -> String {
        var facts: [(String, String)] = []
        let customer = c.customerContact.map { "\(c.customerName) · \($0)" } ?? c.customerName
        facts.append(("Customer", customer))
        facts.append(("Channel", c.channel))
        facts.append(("Agents", c.agents.isEmpty ? "—" : c.agents.joined(separator: ", ")))
        facts.append(("Department", c.department ?? "—"))
        facts.append(("Status", c.status))
        facts.append(("Started", "\(clock.dateTime(c.startedAt)) (\(document.timeZone.identifier))"))
        facts.append(("Ended", c.endedAt.map { clock.dateTime($0) } ?? "not ended"))
        facts.append(("Duration", c.durationSeconds.map(duration) ?? "—"))
        facts.append(("First response", c.firstResponseSeconds.map(duration) ?? "—"))
        facts.append(("Messages", String(c.messageCount)))
        facts.append(("Rating", c.rating ?? "unrated"))
        facts.append(("Tags", c.tags.isEmpty ? "—" : c.tags.joined(separator: ", ")))
        if document.includeCustomerInfo {
            for field in c.customerFields { facts.append((field.name, field.value)) }
            facts.append(("Customer tags", c.customerTags.isEmpty ? "—" : c.customerTags.joined(separator: ", ")))
        }
        facts.append(("Conversation", c.id.uuidString.lowercased()))

        var out = "<span size=\"large\" weight=\"bold\">\(PangoText.escape(c.customerName))</span>"
        for (key, value) in facts {
            out += "\n<span foreground=\"#6b6b75\">\(PangoText.escape(key))</span>\t\(PangoText.escape(value))"
        }
        return out
    }

    /// "1h 02m 05s", "4m 10s", "42s".
    static func duration(_ seconds: Int) -> String {
        let s = max(0, seconds)
        let (h, m, r) = (s / 3600, s / 60 % 60, s % 60)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
        if h > 0 { return "\(h)h \(two(m))m \(two(r))s" }
        if m > 0 { return "\(m)m \(two(r))s" }
        return "\(r)s"
    }
}
