import Domain
import Foundation
import PostgresNIO
import Store

/// The baseline of `parley bench export`: the rows a messages export of the whole tenant
/// holds — the same messages, in the same order (conversations newest first, each in send
/// order), with the CSV's columns — read in one statement under the admin's scope and
/// written to a file as CSV, twice over:
///
/// - **SELECT → CSV**: a plain streamed `SELECT` through PostgresNIO (the pool the export
///   uses), every value as text, written through a 64 KiB buffer. What reading the rows
///   costs this process at best. postgres-nio 1.33.2 has `COPY … FROM STDIN` but no copy-out.
/// - **COPY → CSV**: `COPY (the same SELECT) TO STDOUT WITH CSV` through `psql`, when it is
///   on `PATH`: the server formats the CSV itself, the floor of any export.
enum ExportBenchBaseline {
    /// The statement, with the tenant as a literal (a UUID's text is hex digits and dashes only).
    /// The customer's contact is read as its sealed bytes (docs/contacts.md): the same bytes
    /// the export reads, without the decryption only the service can do.
    static func select(tenantID: UUID) -> String {
        let tenant = "'\(tenantID.uuidString.lowercased())'::uuid"
        return """
            SELECT to_char(m.created_at AT TIME ZONE t.time_zone, 'YYYY-MM-DD"T"HH24:MI:SS'), m.conversation_id::text,
                   c.channel, concat_ws(' ', nullif(cu.name, ''), encode(coalesce(cu.phone_sealed, cu.email_sealed), 'base64')), m.sender_side,
                   CASE m.sender_side WHEN 'customer' THEN coalesce(cu.name, m.sender_id, 'Customer')
                                      WHEN 'agent' THEN coalesce(u.display_name, m.sender_id, 'Agent')
                                      WHEN 'bot' THEN 'Bot' ELSE 'System' END,
                   m.kind, coalesce(m.body, ''), m.attachment->>'name', m.attachment->>'mimeType',
                   m.attachment->>'sizeBytes', m.attachment->>'url'
            FROM conversations c
            JOIN tenants t ON t.id = \(tenant)
            JOIN customers cu ON cu.tenant_id = \(tenant) AND cu.id = c.customer_id
            JOIN messages m ON m.tenant_id = \(tenant) AND m.conversation_id = c.id
            LEFT JOIN users u ON u.tenant_id = \(tenant) AND m.sender_side = 'agent' AND u.id::text = m.sender_id
            WHERE c.tenant_id = \(tenant)
            ORDER BY c.started_at DESC, c.id DESC, m.created_at, m.id
            """
    }

    static func run(_ database: Database, tenant: ExportBenchTenant, folder: URL) async throws -> ExportBenchResult {
        let startRSS = ExportBenchProcess.currentRSSKiB()
        let file = folder.appendingPathComponent("baseline-select.csv")
        defer { try? FileManager.default.removeItem(at: file) }
        let cpuStart = ExportBenchProcess.cpuSeconds()
        let started = ContinuousClock.now
        let (rows, bytes) = try await database.withScope(.user(tenant.admin)) { tx in
            let writer = try ExportBenchCSVWriter(file)
            var rows = 0
            let sequence = try await tx.connection.query(PostgresQuery(unsafeSQL: select(tenantID: tenant.id)), logger: tx.logger)
            for try await row in sequence.decode(
                (String, String, String, String, String, String, String, String, String?, String?, String?, String?).self) {
                try writer.row([row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10, row.11])
                rows += 1
            }
            return (rows, try writer.close())
        }
        let seconds = SyntheticSeeder.seconds(since: started)
        let cpu = ExportBenchProcess.cpuSeconds() - cpuStart
        var result = ExportBenchResult(kind: .baseline, messages: tenant.messages, format: "csv", store: "-", rows: rows,
                                       bytes: bytes, seconds: seconds, cpuSeconds: cpu, startRSSKiB: startRSS)
        if let copy = try await copy(tenant: tenant, folder: folder) {
            result.copySeconds = copy.seconds
            result.copyBytes = copy.bytes
        }
        result.peakRSSKiB = ExportBenchProcess.peakRSSKiB()
        return result
    }

    /// `COPY … TO STDOUT WITH CSV` through psql, in a transaction with the admin's
    /// `SET LOCAL`s (`TenantScope`); `nil` without psql or `PARLEY_DATABASE_URL`.
    private static func copy(tenant: ExportBenchTenant, folder: URL) async throws -> (seconds: Double, bytes: Int64)? {
        guard let url = ProcessInfo.processInfo.environment["PARLEY_DATABASE_URL"] else { return nil }
        let script = folder.appendingPathComponent("baseline-copy.sql")
        let output = folder.appendingPathComponent("baseline-copy.csv")
        defer {
            try? FileManager.default.removeItem(at: script)
            try? FileManager.default.removeItem(at: output)
        }
        let select = select(tenantID: tenant.id).replacingOccurrences(of: "\n", with: " ")
        try """
            BEGIN;
            SET LOCAL app.tenant_id = '\(tenant.id.uuidString.lowercased())';
            SET LOCAL app.user_id = '\(tenant.admin.userID.uuidString.lowercased())';
            SET LOCAL app.scope = 'all';
            COPY (\(select)) TO STDOUT WITH (FORMAT csv);
            COMMIT;
            """.write(to: script, atomically: true, encoding: .utf8)
        let started = ContinuousClock.now
        guard let status = try await ExportBenchProcess.run(
            program: "psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-o", output.path, "-f", script.path, url]) else {
            Console.line("  (no psql on PATH: the COPY baseline is skipped)")
            return nil
        }
        let seconds = SyntheticSeeder.seconds(since: started)
        guard status == 0 else { throw BenchError("psql COPY baseline exited with status \(status)") }
        let size = (try FileManager.default.attributesOfItem(atPath: output.path)[.size] as? NSNumber)?.int64Value ?? 0
        return (seconds, size)
    }
}

/// CSV lines (RFC 4180 quoting only) through a 64 KiB buffer: the least a CSV writer does.
final class ExportBenchCSVWriter {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var written: Int64 = 0

    init(_ url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw BenchError("cannot create \(url.path)")
        }
        handle = try FileHandle(forWritingTo: url)
        buffer.reserveCapacity(70_000)
    }

    func row(_ fields: [String?]) throws {
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            guard let field else { continue }
            let utf8 = field.utf8
            if utf8.contains(where: { $0 == 0x22 || $0 == 0x2C || $0 == 0x0A || $0 == 0x0D }) {
                buffer.append(0x22)
                for byte in utf8 {
                    if byte == 0x22 { buffer.append(0x22) }
                    buffer.append(byte)
                }
                buffer.append(0x22)
            } else {
                buffer.append(contentsOf: utf8)
            }
        }
        buffer.append(contentsOf: [0x0D, 0x0A])
        if buffer.count >= 65_536 { try flush() }
    }

    /// Flushes, syncs (as the renderers do before an upload) and closes; returns the bytes written.
    func close() throws -> Int64 {
        try flush()
        try handle.synchronize()
        try handle.close()
        return written
    }

    private func flush() throws {
        try handle.write(contentsOf: buffer)
        written += Int64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }
}
