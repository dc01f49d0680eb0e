import Foundation

/// A small HTTP server on 127.0.0.1 (Python's http.server, started per test) with the
/// answers the tests need: files from a folder, a body without Content-Length, a
/// redirect, a slow answer, and two fake S3 buckets (one that fails twice with 503
/// before succeeding, one that always refuses with 403) counting the requests they get.
/// It exits when its standard input closes, so a crashed test run leaves no server.
final class TestHTTPServer: @unchecked Sendable {
    // @unchecked: `process` and `input` are set once in init; stop() is idempotent.
    let port: Int
    private let process: Process
    private let input: Pipe

    static let script = #"""
        import os, sys, threading, time
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        root = sys.argv[1]
        counts = {}
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def send(self, status, body=b"", headers=()):
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def count(self):
                with lock:
                    counts[self.path] = counts.get(self.path, 0) + 1
                    return counts[self.path]

            def s3(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                if self.path.startswith("/flaky/"):
                    if self.count() <= 2:
                        return self.send(503, b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
                                         [("Content-Type", "application/xml")])
                    return self.send(200, b"", [("ETag", '"abc"')])
                if self.path.startswith("/denied/"):
                    self.count()
                    return self.send(403, b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>",
                                     [("Content-Type", "application/xml")])
                return self.send(404, b"")

            do_PUT = s3
            do_DELETE = s3
            do_HEAD = s3

            def do_GET(self):
                path = self.path.split("?")[0]
                if path.startswith("/files/"):
                    name = os.path.basename(path)
                    with open(os.path.join(root, name), "rb") as f:
                        body = f.read()
                    kind = {"png": "image/png", "html": "text/html; charset=utf-8"}.get(name.rsplit(".", 1)[-1], "application/octet-stream")
                    return self.send(200, body, [("Content-Type", kind)])
                if path.startswith("/stream/"):
                    size = int(path.rsplit("/", 1)[-1])
                    self.send_response(200)
                    self.send_header("Content-Type", "image/png")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.close_connection = True
                    chunk = b"\x89" * 65536
                    sent = 0
                    try:
                        while sent < size:
                            part = chunk[: min(len(chunk), size - sent)]
                            self.wfile.write(part)
                            sent += len(part)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    return
                if path == "/redirect":
                    return self.send(302, b"", [("Location", "/files/pixel.png")])
                if path == "/slow":
                    time.sleep(3)
                    return self.send(200, b"\x89PNG", [("Content-Type", "image/png")])
                if path.startswith("/count/"):
                    with lock:
                        return self.send(200, str(counts.get(path[len("/count"):], 0)).encode())
                if path.startswith("/flaky/") or path.startswith("/denied/"):
                    return self.s3()
                return self.send(404, b"")

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # clients that hang up early (size limits, time-outs) are the point of the tests

        server = Server(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        print(server.server_address[1], flush=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        sys.stdin.read()
        os._exit(0)
        """#

    /// Starts the server serving `root`'s files under `/files/`.
    init(root: URL) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script, root.path]
        input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        // The first line is the port the server bound to.
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "the test HTTP server did not report a port"])
        }
        self.port = port
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// How many requests `path` has had (fake S3 paths only).
    func requestCount(_ path: String) throws -> Int {
        let text = try Python.run("import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())", ["\(base)/count\(path)"])
        return Int(text) ?? -1
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
