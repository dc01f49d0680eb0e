import Domain
import Foundation
import Logging
import ObjectStorage
import ServiceLifecycle
import Store
import Synchronization
import TestSupport
import Testing
@testable import Worker

/// The export worker against the real database, with an injected clock: claims, leases,
/// take-over after a worker died, retries with backoff, cancellation, graceful shutdown.
@Suite("Export worker")
struct ExportServiceTests {
    /// A clock tests move by hand.
    final class ManualClock: Sendable {
        private let current = Mutex(Date())
        var clock: Domain.Clock { Domain.Clock(now: { self.current.withLock { $0 } }) }
        func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    struct Setup: Sendable {
        let db: TestDatabase
        let database: Database
        let clock: ManualClock
        let fixture: TenantFixture
        let store: FileObjectStore
        let folder: URL

        func worker(_ name: String, store: (any ObjectStore)? = nil, lease: Duration = .seconds(60),
                    renewEvery: Duration = .seconds(15), images: ImageFetcher? = nil) -> ExportService {
            var settings = ExportService.Settings()
            settings.images = images
            settings.lease = lease
            settings.renewEvery = renewEvery
            settings.retryBase = 30
            settings.pollInterval = .milliseconds(20)
            return ExportService(database: database, store: store ?? self.store, workerID: name, settings: settings,
                                 logger: TestDatabase.logger)
        }

        /// Queues an export of the whole tenant by its admin, as the API would.
        func queue(_ format: ExportFormat = .csv, maxAttempts: Int? = nil, embedImages: Bool = false) async throws -> ExportJobRecord {
            let admin = fixture.principal("admin")
            let job = try await database.withScope(.user(admin)) { tx in
                try await ExportJobRepository(tx, tenantID: fixture.tenantID).create(NewExportJob(
                    id: tx.ids.make(), requestedBy: admin.userID, format: format, rowKind: .messages,
                    selection: ConversationQuery(), options: ExportOptions(
                        includeAttachmentLinks: true, includeCustomerInfo: false, embedImages: embedImages, watermark: nil,
                        title: "t", tenantName: "Tenant", exporterName: "Admin", timeZone: "Asia/Shanghai"),
                    fileName: "all.\(format.rawValue)", rowsTotal: 6))
            }
            if let maxAttempts {
                _ = try await db.superuserRows("UPDATE export_jobs SET max_attempts = \(maxAttempts) WHERE id = '\(job.id.uuidString.lowercased())'")
            }
            return job
        }

        func job(_ id: UUID) async throws -> ExportJobRecord {
            try await database.withScope(.tenant(fixture.tenantID)) { tx in
                try await ExportJobRepository(tx, tenantID: fixture.tenantID).job(id)
            }
        }

        func notifications() async throws -> [String] {
            let rows = try await db.superuserRows(
                "SELECT kind FROM notifications WHERE tenant_id = '\(fixture.tenantID.uuidString.lowercased())' ORDER BY id")
            return try rows.map { try $0.decode(String.self) }
        }

        /// Files in the store's folder, temporary ones included.
        func files() throws -> [String] {
            guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return [] }
            return walker.compactMap { $0 as? String }.filter { !$0.hasSuffix("/") && !FileManager.default.isDirectory(folder.appendingPathComponent($0)) }
        }
    }

    static func with(_ body: @escaping @Sendable (Setup) async throws -> Void) async throws {
        try await TestDatabase.with { db in
            let clock = ManualClock()
            let database = db.database(clock: clock.clock)
            let fixture = try await TenantFixture.make(in: db, slug: "worker")
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parley-worker-\(UUID().uuidString.lowercased())")
            let store = try FileObjectStore(root: folder)
            defer { try? FileManager.default.removeItem(at: folder) }
            try await body(Setup(db: db, database: database, clock: clock, fixture: fixture, store: store, folder: folder))
        }
    }

    @Test("a job whose worker died is taken over when its lease runs out: one file, one notification")
    func takeOverAfterAWorkerDied() async throws {
        try await Self.with { s in
            let job = try await s.queue()
            // The first worker claims it and dies (nothing renews or finishes its lease).
            let dead = ExportQueue(database: s.database, workerID: "dead-worker")
            let claimed = try #require(try await dead.claim(lease: .seconds(60)))
            #expect(claimed.id == job.id)
            // Before the lease runs out nobody else may take it.
            let second = s.worker("second-worker")
            #expect(try await second.runNext() == false)
            s.clock.advance(61)
            #expect(try await second.runNext() == true)
            let done = try await s.job(job.id)
            #expect(done.status == .succeeded)
            #expect(done.attempts == 2)
            #expect(done.rowsDone == 6)
            // The dead worker coming back cannot finish it a second time.
            #expect(try await dead.succeed(claimed, rows: 6, bytes: 1) { _ in Issue.record("notified twice") } == false)
            #expect(try await s.notifications() == ["export.succeeded"])
            #expect(try s.files() == [job.objectKey])
        }
    }

    @Test("a storage failure is retried with backoff, and after the last attempt fails with one notification")
    func retriesThenFails() async throws {
        try await Self.with { s in
            let job = try await s.queue(maxAttempts: 2)
            // A store whose folder is a file: every upload fails.
            let blocker = s.folder.appendingPathComponent("not-a-folder")
            try FileManager.default.createDirectory(at: s.folder, withIntermediateDirectories: true)
            try Data("x".utf8).write(to: blocker)
            let broken = try FileObjectStore(root: blocker.appendingPathComponent("exports"))
            let worker = s.worker("w", store: broken)
            #expect(try await worker.runNext())
            var after = try await s.job(job.id)
            #expect(after.status == .queued)
            #expect(after.attempts == 1)
            #expect(after.error != nil)
            // Not before its backoff (30 s ± 20 %).
            #expect(try await worker.runNext() == false)
            s.clock.advance(37)
            #expect(try await worker.runNext())
            after = try await s.job(job.id)
            #expect(after.status == .failed)
            #expect(after.attempts == 2)
            #expect(try await s.notifications() == ["export.failed"])
            #expect(try await worker.runNext() == false)
        }
    }

    @Test("a job cancelled while it runs uploads nothing and notifies nobody")
    func cancelledWhileRunning() async throws {
        try await Self.with { s in
            let job = try await s.queue()
            let worker = s.worker("w")
            let claimed = try #require(try await worker.queue.claim(lease: .seconds(60)))
            _ = try await s.database.withScope(.user(s.fixture.principal("admin"))) { tx in
                try await ExportJobRepository(tx, tenantID: s.fixture.tenantID).cancel(job.id)
            }
            await worker.runner.run(claimed)
            #expect(try await s.job(job.id).status == .cancelled)
            #expect(try await s.notifications().isEmpty)
            #expect(try s.files().isEmpty)
        }
    }

    @Test("a renewal that finds the job cancelled stops the rendering within a renewal period")
    func renewalNoticesCancellation() async throws {
        try await Self.with { s in
            let job = try await s.queue()
            let worker = s.worker("w", renewEvery: .milliseconds(20))
            let claimed = try #require(try await worker.queue.claim(lease: .seconds(60)))
            let progress = JobProgress()
            let renewal = Task { await worker.runner.renewLease(claimed, progress, logger: TestDatabase.logger) }
            _ = try await s.database.withScope(.user(s.fixture.principal("admin"))) { tx in
                try await ExportJobRepository(tx, tenantID: s.fixture.tenantID).cancel(job.id)
            }
            for _ in 0..<200 where (try? progress.update(rows: 1)) != nil {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(throws: ExportFailure.self) { try progress.update(rows: 2) }
            renewal.cancel()
        }
    }

    @Test("on graceful shutdown the worker finishes the job in hand and claims no more")
    func drainsOnShutdown() async throws {
        try await Self.with { s in
            let first = try await s.queue()
            let later = try await s.queue()
            // The upload takes a while, so the shutdown arrives while the job runs.
            let worker = s.worker("w", store: SlowUploads(inner: s.store, delay: .milliseconds(700)))
            let group = ServiceGroup(configuration: .init(services: [worker], logger: TestDatabase.logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                var polls = 0
                while try await s.job(first.id).status != .running, polls < 300 {
                    polls += 1
                    try await Task.sleep(for: .milliseconds(10))
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            #expect(try await s.job(first.id).status == .succeeded)
            #expect(try await s.job(later.id).status == .queued)
        }
    }
}

/// The real file store, with uploads held back: a fault injected around it, not a stand-in.
struct SlowUploads: ObjectStore {
    let inner: any ObjectStore
    let delay: Duration

    func put(file: URL, key: String, contentType: String) async throws -> Int64 {
        try await Task.sleep(for: delay)
        return try await inner.put(file: file, key: key, contentType: contentType)
    }
    func get(key: String, to file: URL) async throws { try await inner.get(key: key, to: file) }
    func delete(key: String) async throws { try await inner.delete(key: key) }
    func exists(key: String) async throws -> Bool { try await inner.exists(key: key) }
    func download(key: String, fileName: String, contentType: String, expiresIn: TimeInterval, now: Date) throws -> DownloadLocation {
        try inner.download(key: key, fileName: fileName, contentType: contentType, expiresIn: expiresIn, now: now)
    }
}

extension ExportServiceTests {
    /// A PNG served over HTTP by a separate process (python3 -m http.server) on loopback.
    final class ImageServer: Sendable {
        let process: Process
        let port: Int
        let folder: URL

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("parley-images-\(UUID().uuidString.lowercased())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            // A 4×4 red PNG, written by Python's zlib (no image library needed).
            let png = Process()
            png.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            png.arguments = ["python3", "-c", """
                import struct, sys, zlib
                def chunk(kind, data): return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
                rows = b"".join(b"\\x00" + b"\\xff\\x00\\x00" * 4 for _ in range(4))
                png = b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
                open(sys.argv[1], "wb").write(png)
                """, folder.appendingPathComponent("red.png").path]
            try png.run()
            png.waitUntilExit()
            let socket = Process()
            socket.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            socket.arguments = ["python3", "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1]); s.close()"]
            let pipe = Pipe()
            socket.standardOutput = pipe
            try socket.run()
            socket.waitUntilExit()
            port = Int(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-m", "http.server", "\(port)", "--bind", "127.0.0.1", "--directory", folder.path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            for _ in 0..<100 where ImageFetcher(timeout: 1, allowedHosts: ["127.0.0.1"]).fetch(url).isFailure {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }

        var url: String { "http://127.0.0.1:\(port)/red.png" }

        func stop() {
            // SIGKILL: a child of the test process inherits SIGTERM ignored (the service
            // group's signal handling), so terminate() would wait forever.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: folder)
        }
    }

    /// What `pdfimages -list` and `pdftotext` say of a PDF in the store.
    static func inspectPDF(_ s: Setup, key: String) async throws -> (images: Int, text: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("parley-pdf-\(UUID().uuidString).pdf")
        defer { try? FileManager.default.removeItem(at: file) }
        try await s.store.get(key: key, to: file)
        func run(_ arguments: [String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: output, as: UTF8.self)
        }
        // pdfimages -list: two header lines, then one line per image.
        let images = try run(["pdfimages", "-list", file.path]).split(separator: "\n").dropFirst(2).count
        return (images, try run(["pdftotext", file.path, "-"]))
    }

    @Test("a PDF embeds an image fetched from an allowed host, and shows a refused one as its name")
    func embedsServedImagesAndRefusesPrivateOnes() async throws {
        try await Self.with { s in
            let server = try ImageServer()
            defer { server.stop() }
            let integration = s.fixture.integration
            let customer = IngestCustomer(externalID: "image-customer", name: "图片客户", phone: nil, email: nil)
            _ = try await s.database.withScope(.integration(integration)) { tx in
                try await IngestionRepository(tx, integration: integration).ingest([
                    IngestMessage(conversationExternalID: "with-image", messageExternalID: "img-1", customer: customer,
                                  sentAt: s.clock.clock.now(), senderSide: .customer, agentID: nil, departmentID: nil, kind: .image,
                                  text: "看这张图", attachment: Attachment(url: server.url, name: "red.png", mimeType: "image/png", sizeBytes: 70)),
                ])
            }
            // Loopback is refused unless the operator allows the host (PARLEY_EXPORT_IMAGE_HOSTS).
            let allowed = try await s.queue(.pdf, embedImages: true)
            #expect(try await s.worker("allowing", images: ImageFetcher(allowedHosts: ["127.0.0.1"])).runNext())
            #expect(try await s.job(allowed.id).status == .succeeded)
            let embedded = try await Self.inspectPDF(s, key: allowed.objectKey)
            #expect(embedded.images >= 1)

            let refused = try await s.queue(.pdf, embedImages: true)
            #expect(try await s.worker("refusing", images: ImageFetcher()).runNext())
            #expect(try await s.job(refused.id).status == .succeeded)
            let shown = try await Self.inspectPDF(s, key: refused.objectKey)
            #expect(shown.images == 0)
            #expect(shown.text.contains("red.png"))
            #expect(shown.text.contains("看这张图"))
        }
    }
}

extension Result {
    var isFailure: Bool { if case .failure = self { true } else { false } }
}

extension FileManager {
    func isDirectory(_ url: URL) -> Bool {
        var directory: ObjCBool = false
        return fileExists(atPath: url.path, isDirectory: &directory) && directory.boolValue
    }
}
