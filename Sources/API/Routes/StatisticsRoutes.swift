import Domain
import Export
import Foundation
import Hummingbird
import ObjectStorage
import Store

/// Statistics (PRODUCT.md §7) over the conversations started in `from`…`to` (default: the
/// last 30 days; at most 366 days), in the caller's scope: an agent's own, a supervisor's
/// departments', an admin's whole tenant. `format=csv` answers the same rows as a CSV file.
struct StatisticsRoutes {
    let services: Services
    init(_ services: Services) { self.services = services }

    static let defaultDays: TimeInterval = 30
    static let maximumDays: TimeInterval = 366

    func register(on routes: RouteRecorder) {
        routes.add(.get, "/v1/stats/channels") { request, context in
            let (from, to, csv) = try Self.parameters(request, now: services.now)
            let rows = try await services.asUser(request, context) { tx, user in
                try await StatisticsRepository(tx, tenantID: user.tenantID).channels(from: from, to: to)
            }
            guard csv else { return try Self.json(rows.map(ChannelStatisticsBody.init), from: from, to: to) }
            return Self.csv("channels", from: from, to: to,
                            header: ["channel", "conversations", "messages", "ended", "resolved", "resolution_rate"],
                            rows: rows.map { [.text($0.channel), .number($0.conversations), .number($0.messages), .number($0.ended),
                                              .number($0.resolved), .decimal($0.resolutionRate)] })
        }

        routes.add(.get, "/v1/stats/agents") { request, context in
            let (from, to, csv) = try Self.parameters(request, now: services.now)
            let rows = try await services.asUser(request, context) { tx, user in
                try await StatisticsRepository(tx, tenantID: user.tenantID).agents(from: from, to: to)
            }
            guard csv else { return try Self.json(rows.map(AgentStatisticsBody.init), from: from, to: to) }
            return Self.csv("agents", from: from, to: to,
                            header: ["agent_id", "name", "conversations", "messages", "average_first_response_seconds",
                                     "p90_first_response_seconds", "average_handling_seconds", "good", "neutral", "bad", "unrated"],
                            rows: rows.map { row in
                                [.text(row.agentID.uuidString.lowercased()), .text(row.name ?? ""), .number(row.conversations),
                                 .number(row.messages), .optionalDecimal(row.averageFirstResponseSeconds),
                                 .optionalDecimal(row.p90FirstResponseSeconds), .optionalDecimal(row.averageHandlingSeconds),
                                 .number(row.good), .number(row.neutral), .number(row.bad), .number(row.unrated)]
                            })
        }

        routes.add(.get, "/v1/stats/daily") { request, context in
            let (from, to, csv) = try Self.parameters(request, now: services.now)
            let rows = try await services.asUser(request, context) { tx, user in
                try await StatisticsRepository(tx, tenantID: user.tenantID).days(from: from, to: to)
            }
            guard csv else { return try Self.json(rows.map(DayStatisticsBody.init), from: from, to: to) }
            return Self.csv("daily", from: from, to: to, header: ["day", "conversations", "messages", "resolved"],
                            rows: rows.map { [.text($0.day), .number($0.conversations), .number($0.messages), .number($0.resolved)] })
        }
    }

    /// `from`, `to` (RFC 3339; default the 30 days up to now) and `format` (`json` or `csv`).
    static func parameters(_ request: Request, now: Date) throws -> (from: Date, to: Date, csv: Bool) {
        let query = QueryParameters(request)
        let to = try query.date("to") ?? now
        let from = try query.date("from") ?? to.addingTimeInterval(-defaultDays * 86_400)
        guard from < to else { throw APIError.badRequest("must be later than from", field: "query.to") }
        guard to.timeIntervalSince(from) <= maximumDays * 86_400 else {
            throw APIError.badRequest("the range may be at most \(Int(maximumDays)) days", field: "query.to")
        }
        let format = try query.string("format", maxLength: 8) ?? "json"
        guard format == "json" || format == "csv" else { throw APIError.badRequest("must be json or csv", field: "query.format") }
        return (from, to, format == "csv")
    }

    static func json<Item: Encodable>(_ items: [Item], from: Date, to: Date) throws -> Response {
        try JSONBody.response(StatisticsBody(range: StatisticsRangeBody(from: from, to: to), items: items))
    }

    enum Cell {
        case text(String)
        case number(Int)
        case decimal(Double)
        case optionalDecimal(Double?)
    }

    /// UTF-8 with a BOM (so Excel reads Chinese names right), formula-safe text, like the exports' CSV.
    static func csv(_ name: String, from: Date, to: Date, header: [String], rows: [[Cell]]) -> Response {
        var bytes: [UInt8] = [0xEF, 0xBB, 0xBF]
        func line(_ cells: [Cell]) {
            for (index, cell) in cells.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                switch cell {
                case .text(let text): CSVField.appendText(text, to: &bytes)
                case .number(let value): CSVField.appendInteger(Int64(value), to: &bytes)
                case .decimal(let value): bytes.append(contentsOf: String(format: "%.4f", value).utf8)
                case .optionalDecimal(let value): if let value { bytes.append(contentsOf: String(format: "%.1f", value).utf8) }
                }
            }
            bytes.append(contentsOf: [0x0D, 0x0A])
        }
        line(header.map(Cell.text))
        rows.forEach(line)
        let fileName = "parley-stats-\(name)-\(RFC3339.format(from).prefix(10))-\(RFC3339.format(to).prefix(10)).csv"
        return Response(status: .ok, headers: [
            .contentType: "text/csv; charset=utf-8",
            .contentDisposition: ContentDisposition.attachment(fileName: fileName),
        ], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
