import Foundation
import Testing
@testable import ObjectStorage

@Suite("Image fetcher")
struct ImageFetcherTests {
    /// A valid 1×1 PNG.
    static let pixel = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==") ?? Data()

    /// Runs `body` with a test server whose /files/ hold pixel.png, page.html and big.png.
    func withServer(_ body: (TestHTTPServer) throws -> Void) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try Self.pixel.write(to: folder.file("pixel.png"))
        try Data("<html>not an image</html>".utf8).write(to: folder.file("page.html"))
        try Data(repeating: 0x89, count: 64 * 1024).write(to: folder.file("big.png"))
        let server = try TestHTTPServer(root: folder.url)
        defer { server.stop() }
        try body(server)
    }

    @Test("an image from a host in allowedHosts is fetched byte for byte, even on loopback")
    func allowedHost() throws {
        try withServer { server in
            let fetcher = ImageFetcher(allowedHosts: ["127.0.0.1"])
            #expect(fetcher.fetch("\(server.base)/files/pixel.png") == .success(Self.pixel))
        }
    }

    @Test("loopback is refused at connect time when the host is not allowed")
    func loopbackRefused() throws {
        try withServer { server in
            let fetcher = ImageFetcher()
            #expect(fetcher.fetch("\(server.base)/files/pixel.png")
                == .failure(.blockedAddress(host: "127.0.0.1", address: "127.0.0.1", range: .loopback)))
            // A name is judged by the address it resolves to, not by how it is spelled.
            guard case .failure(.blockedAddress(host: "localhost", _, .loopback)) = fetcher.fetch("http://localhost:\(server.port)/files/pixel.png") else {
                Issue.record("localhost was not refused as loopback")
                return
            }
            #expect(fetcher.fetch("http://[::ffff:127.0.0.1]:\(server.port)/files/pixel.png")
                == .failure(.blockedAddress(host: "::ffff:127.0.0.1", address: "::ffff:127.0.0.1", range: .loopback)))
            #expect(fetcher.fetch("http://[::1]:\(server.port)/x.png") == .failure(.blockedAddress(host: "::1", address: "::1", range: .loopback)))
            #expect(fetcher.fetch("http://0.0.0.0:\(server.port)/x.png") == .failure(.blockedAddress(host: "0.0.0.0", address: "0.0.0.0", range: .unspecified)))
            // Allowing one host does not allow another that resolves to the same address.
            guard case .failure(.blockedAddress) = ImageFetcher(allowedHosts: ["127.0.0.1"]).fetch("http://localhost:\(server.port)/files/pixel.png") else {
                Issue.record("allowing 127.0.0.1 let localhost through")
                return
            }
        }
    }

    @Test("only http and https are fetched", arguments: ["file:///etc/passwd", "ftp://127.0.0.1/x.png", "gopher://127.0.0.1/x", "dict://127.0.0.1:11211/stat"])
    func otherSchemes(url: String) {
        guard case .failure(.unsupportedScheme) = ImageFetcher(allowedHosts: ["127.0.0.1"]).fetch(url) else {
            Issue.record("\(url) was not refused for its scheme")
            return
        }
    }

    @Test("text that is not a URL is refused")
    func invalidURL() {
        #expect(ImageFetcher().fetch("not a url") == .failure(.invalidURL("not a url")))
        #expect(ImageFetcher().fetch("") == .failure(.invalidURL("")))
    }

    @Test("a body larger than maxBytes is refused, announced or not")
    func tooLarge() throws {
        try withServer { server in
            let fetcher = ImageFetcher(maxBytes: 10_000, allowedHosts: ["127.0.0.1"])
            // Content-Length says 64 KiB: refused before the body is read.
            #expect(fetcher.fetch("\(server.base)/files/big.png") == .failure(.tooLarge(limit: 10_000)))
            // No Content-Length: the count while receiving stops it.
            #expect(fetcher.fetch("\(server.base)/stream/10000000") == .failure(.tooLarge(limit: 10_000)))
            #expect(ImageFetcher(maxBytes: 100_000, allowedHosts: ["127.0.0.1"]).fetch("\(server.base)/stream/50000").map(\.count) == .success(50_000))
        }
    }

    @Test("a redirect is not followed")
    func redirect() throws {
        try withServer { server in
            #expect(ImageFetcher(allowedHosts: ["127.0.0.1"]).fetch("\(server.base)/redirect")
                == .failure(.redirectNotFollowed(status: 302, location: "\(server.base)/files/pixel.png")))
        }
    }

    @Test("a body that is not an image, or an error status, is refused")
    func notAnImage() throws {
        try withServer { server in
            let fetcher = ImageFetcher(allowedHosts: ["127.0.0.1"])
            #expect(fetcher.fetch("\(server.base)/files/page.html") == .failure(.notAnImage(contentType: "text/html; charset=utf-8")))
            #expect(fetcher.fetch("\(server.base)/nothing-here.png") == .failure(.httpStatus(404)))
        }
    }

    @Test("a server slower than the time limit is given up on")
    func timeout() throws {
        try withServer { server in
            let started = ContinuousClock.now
            #expect(ImageFetcher(timeout: 0.5, allowedHosts: ["127.0.0.1"]).fetch("\(server.base)/slow") == .failure(.timedOut))
            #expect(ContinuousClock.now - started < .seconds(2))
        }
    }
}
