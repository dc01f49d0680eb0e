import CPangoCairo
import Foundation

/// Why an attachment's bytes were not drawn; the transcript then shows
/// "[image could not be loaded] name" and the export goes on.
enum PDFImageError: Error, Equatable {
    case unsupportedFormat
    case badHeader
    case tooLarge(width: Int, height: Int)
    case decodeFailed(String)
}

/// An attachment image ready to paint: a cairo surface, and its size in pixels.
final class PDFImage {
    /// Largest box an image is drawn in, in points, so one picture never takes a whole page.
    static let maxWidth = 250.0
    static let maxHeight = 300.0
    /// Images over this many pixels are refused before decoding: cairo holds 4 bytes a pixel
    /// (a decoded PNG; the copy cairo makes of a JPEG's blank buffer), so this bounds one image
    /// at 100 MB and a decompression bomb cannot take the worker. 25 MP passes a 6000 × 4000 photo.
    static let maxPixels = 25_000_000

    let surface: OpaquePointer
    let pixelWidth: Int
    let pixelHeight: Int
    /// Points on the page: one pixel a point (72 dpi), shrunk to fit the box, never enlarged.
    let drawnSize: (width: Double, height: Double)

    private init(surface: OpaquePointer, pixelWidth: Int, pixelHeight: Int, drawnAs: (width: Double, height: Double)? = nil) {
        self.surface = surface
        self.pixelWidth = pixelWidth
        self.pixelHeight = pixelHeight
        let w = Double(pixelWidth), h = Double(pixelHeight)
        let scale = min(1, Self.maxWidth / w, Self.maxHeight / h)
        drawnSize = drawnAs ?? (w * scale, h * scale)
    }

    deinit { cairo_surface_destroy(surface) }

    /// Decodes by the bytes' signature, not the attachment's declared type (which may be wrong).
    static func load(_ data: Data) throws(PDFImageError) -> PDFImage {
        if data.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return try png(data) }
        if data.starts(with: [0xFF, 0xD8, 0xFF]) { return try jpeg(data) }
        throw .unsupportedFormat
    }

    private static func png(_ data: Data) throws(PDFImageError) -> PDFImage {
        // IHDR is the first chunk: width and height at bytes 16..<24.
        guard data.count > 24 else { throw .badHeader }
        let b = [UInt8](data.prefix(24))
        let width = Int(b[16]) << 24 | Int(b[17]) << 16 | Int(b[18]) << 8 | Int(b[19])
        let height = Int(b[20]) << 24 | Int(b[21]) << 16 | Int(b[22]) << 8 | Int(b[23])
        guard width > 0, height > 0 else { throw .badHeader }
        guard width <= 32_767, height <= 32_767, width * height <= maxPixels else {
            throw .tooLarge(width: width, height: height)
        }
        let reader = PNGReader(data)
        let context = Unmanaged.passRetained(reader)
        defer { context.release() }
        guard let surface = cairo_image_surface_create_from_png_stream(PNGReader.read, context.toOpaque()) else {
            throw .decodeFailed("no surface")
        }
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            cairo_surface_destroy(surface)
            throw .decodeFailed(cairo_status_to_string(status).map { String(cString: $0) } ?? "status \(status.rawValue)")
        }
        let image = PDFImage(surface: surface, pixelWidth: Int(cairo_image_surface_get_width(surface)),
                             pixelHeight: Int(cairo_image_surface_get_height(surface)))
        return image.shrunk() ?? image
    }

    /// A copy at twice the drawn size (144 dpi) when the decoded pixels are larger than that:
    /// a phone screenshot drawn 300 pt tall otherwise goes into the PDF at full resolution.
    /// `nil` when already small enough (or when the copy could not be made: the original is used).
    private func shrunk() -> PDFImage? {
        let (w, h) = drawnSize
        let width = Int((w * 2).rounded(.up)), height = Int((h * 2).rounded(.up))
        guard width < pixelWidth, height < pixelHeight,
              let small = cairo_image_surface_create(cairo_image_surface_get_format(surface), Int32(width), Int32(height))
        else { return nil }
        guard cairo_surface_status(small) == CAIRO_STATUS_SUCCESS, let cr = cairo_create(small) else {
            cairo_surface_destroy(small)
            return nil
        }
        cairo_scale(cr, Double(width) / Double(pixelWidth), Double(height) / Double(pixelHeight))
        cairo_set_source_surface(cr, surface, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD)
        cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE)
        cairo_paint(cr)
        let status = cairo_status(cr)
        cairo_destroy(cr)
        guard status == CAIRO_STATUS_SUCCESS else {
            cairo_surface_destroy(small)
            return nil
        }
        cairo_surface_flush(small)
        return PDFImage(surface: small, pixelWidth: width, pixelHeight: height, drawnAs: drawnSize)
    }

    /// An RGB24 surface of the JPEG's size carrying the JPEG bytes as mime data: the PDF
    /// surface writes those bytes as the image (DCTDecode) and never decodes them. The pixel
    /// buffer stays blank; cairo copies it once, when the surface is released after its page
    /// (a snapshot of it outlives the page), and frees the copy straight away: 100 photos of
    /// 4000 × 3000 px kept resident memory at 69 MB, at about 50 ms a photo for that copy.
    private static func jpeg(_ data: Data) throws(PDFImageError) -> PDFImage {
        guard let header = JPEGHeader(data) else { throw .badHeader }
        guard header.width <= 32_767, header.height <= 32_767, header.width * header.height <= maxPixels else {
            throw .tooLarge(width: header.width, height: header.height)
        }
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(header.width), Int32(header.height)) else {
            throw .decodeFailed("no surface")
        }
        var status = cairo_surface_status(surface)
        if status == CAIRO_STATUS_SUCCESS {
            // cairo keeps the bytes until the surface goes, then calls free.
            guard let copy = malloc(data.count) else {
                cairo_surface_destroy(surface)
                throw .decodeFailed("out of memory")
            }
            data.copyBytes(to: copy.assumingMemoryBound(to: UInt8.self), count: data.count)
            status = cairo_surface_set_mime_data(surface, CAIRO_MIME_TYPE_JPEG, copy.assumingMemoryBound(to: UInt8.self),
                                                 UInt(data.count), free, copy)
            if status != CAIRO_STATUS_SUCCESS { free(copy) } // not taken: cairo did not keep it
        }
        guard status == CAIRO_STATUS_SUCCESS else {
            cairo_surface_destroy(surface)
            throw .decodeFailed(cairo_status_to_string(status).map { String(cString: $0) } ?? "status \(status.rawValue)")
        }
        return PDFImage(surface: surface, pixelWidth: header.width, pixelHeight: header.height)
    }

    /// Paints the image with its top-left corner at (x, y), at `drawnSize`.
    func draw(on cr: OpaquePointer, x: Double, y: Double) {
        let (w, h) = drawnSize
        cairo_save(cr)
        cairo_translate(cr, x, y)
        cairo_rectangle(cr, 0, 0, w, h)
        cairo_clip(cr)
        cairo_scale(cr, w / Double(pixelWidth), h / Double(pixelHeight))
        cairo_set_source_surface(cr, surface, 0, 0)
        cairo_paint(cr)
        cairo_restore(cr)
    }
}

/// Feeds PNG bytes to cairo's stream decoder, refusing to read past the end (a truncated file
/// then fails the decode instead of reading stray memory).
private final class PNGReader {
    let data: Data
    var offset = 0

    init(_ data: Data) { self.data = data }

    static let read: cairo_read_func_t = { closure, buffer, length in
        guard let closure, let buffer else { return CAIRO_STATUS_READ_ERROR }
        let reader = Unmanaged<PNGReader>.fromOpaque(closure).takeUnretainedValue()
        let count = Int(length)
        guard count <= reader.data.count - reader.offset else { return CAIRO_STATUS_READ_ERROR }
        let start = reader.data.startIndex + reader.offset
        reader.data.copyBytes(to: buffer, from: start..<start + count)
        reader.offset += count
        return CAIRO_STATUS_SUCCESS
    }
}
