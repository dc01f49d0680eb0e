import Foundation

struct PDFToolError: Error, CustomStringConvertible {
    var description: String
}

/// poppler-utils (pdftotext, pdfinfo, pdffonts, pdfimages, pdftoppm), run as a reader would.
enum Poppler {
    static func path(of tool: String) throws -> String {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for dir in dirs + ["/usr/bin", "/usr/local/bin"] {
            let candidate = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw PDFToolError(description: "\(tool) not found on PATH: the PDF tests need poppler-utils (pdftotext, pdfinfo, pdffonts, pdfimages, pdftoppm) and fontconfig (fc-list); apt-get install poppler-utils")
    }

    /// Runs `tool` and returns its standard output; throws on a non-zero exit.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try path(of: tool))
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting: a large text dump would otherwise fill the pipe and block.
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PDFToolError(description: "\(tool) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): "
                + String(decoding: errors, as: UTF8.self))
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Runs `tool` and returns what it wrote to standard error (poppler reports damaged PDFs there).
    static func errors(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try path(of: tool))
        process.arguments = arguments
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PDFToolError(description: "\(tool) exited \(process.terminationStatus): " + String(decoding: errors, as: UTF8.self))
        }
        return String(decoding: errors, as: UTF8.self)
    }

    static func text(_ pdf: URL, layout: Bool = true, diagonal: Bool = true) throws -> String {
        var args = layout ? ["-layout"] : []
        if !diagonal { args.append("-nodiag") }
        return try run("pdftotext", args + [pdf.path, "-"])
    }

    static func info(_ pdf: URL) throws -> [String: String] {
        var fields: [String: String] = [:]
        for line in try run("pdfinfo", [pdf.path]).split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    static func pageCount(_ pdf: URL) throws -> Int {
        guard let pages = try info(pdf)["Pages"].flatMap({ Int($0) }) else {
            throw PDFToolError(description: "pdfinfo gave no page count for \(pdf.path)")
        }
        return pages
    }
}

/// Anonymous resident memory of this process (Linux `RssAnon`): the heap and other private
/// pages, without mapped files such as fonts and libraries another test may load meanwhile.
enum ProcessMemory {
    static func anonymousBytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("RssAnon:") }),
              let kib = line.split(separator: " ").compactMap({ Int($0) }).first else {
            throw PDFToolError(description: "no RssAnon in /proc/self/status")
        }
        return kib * 1024
    }
}

/// Text read back from a PDF, made comparable with what was rendered.
enum PDFReadBack {
    /// `text` without any whitespace (wrapping and layout put spaces and line breaks anywhere),
    /// and without `dropping`.
    static func squeezed(_ text: String, dropping: Set<Unicode.Scalar> = []) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where !scalar.properties.isWhitespace && !dropping.contains(scalar) {
            out.append(scalar)
        }
        return String(out)
    }

    /// The page text squeezed, less the running header and "page N" lines, so a message that
    /// continues on the next page reads as one piece.
    static func body(_ text: String, chrome: [String]) -> String {
        let kept = text.split(whereSeparator: { $0 == "\n" || $0 == "\u{0C}" }).filter { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("page "), Int(trimmed.dropFirst(5)) != nil { return false }
            return !(chrome.allSatisfy { trimmed.contains($0) })
        }
        return squeezed(kept.joined(separator: "\n"))
    }

    /// Characters of `texts` that no installed font has (fontconfig's view): Pango draws
    /// those as hex boxes, which are not text. Only non-BMP and symbol ranges are asked about.
    static func uncoveredScalars(in texts: [String]) -> Set<Unicode.Scalar> {
        var asked: Set<Unicode.Scalar> = []
        var missing: Set<Unicode.Scalar> = []
        for text in texts {
            for scalar in text.unicodeScalars where scalar.value >= 0x2190 && !(0x3000...0x9FFF).contains(scalar.value)
                && !(0xFF00...0xFFEF).contains(scalar.value) && !asked.contains(scalar) {
                asked.insert(scalar)
                let hex = String(scalar.value, radix: 16)
                if ((try? Poppler.run("fc-list", [":charset=\(hex)", "family"])) ?? "").isEmpty { missing.insert(scalar) }
            }
        }
        return missing
    }
}

/// A scratch folder per test, removed afterwards unless asked to keep it.
struct ScratchFolder {
    let url: URL

    init(_ name: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("parley-pdf-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    func remove() { try? FileManager.default.removeItem(at: url) }
}
