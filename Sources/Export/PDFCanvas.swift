import CPangoCairo
import Foundation

/// The cairo PDF surface and its drawing context, writing to a local file as pages are shown.
///
/// Owns both C objects so that a renderer whose `init` throws half-way, or that is dropped
/// without `finish()`, still closes them: `deinit` finishes the surface and deletes the partial file.
final class PDFCanvas {
    static let pageWidth = 595.0
    static let pageHeight = 842.0

    let surface: OpaquePointer
    let cr: OpaquePointer
    private let path: String
    private var completed = false

    init(destination: URL, title: String) throws(ExportRenderError) {
        path = destination.path
        // cairo writes each page to the file on cairo_show_page; only the current page is held.
        guard let surface = cairo_pdf_surface_create(path, Self.pageWidth, Self.pageHeight) else {
            throw ExportRenderError("PDF: could not create the surface for \(path)")
        }
        if let failure = Self.failure(cairo_surface_status(surface), doing: "creating \(destination.lastPathComponent)") {
            cairo_surface_destroy(surface)
            unlink(path)
            throw failure
        }
        guard let cr = cairo_create(surface) else {
            cairo_surface_destroy(surface)
            unlink(path)
            throw ExportRenderError("PDF: could not create the drawing context")
        }
        self.surface = surface
        self.cr = cr
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Parley")
        try check("starting the document")
    }

    deinit {
        cairo_destroy(cr)
        if !completed {
            // Dropped without finish() (an error upstream): the file is incomplete, so it goes.
            cairo_surface_finish(surface)
            cairo_surface_destroy(surface)
            unlink(path)
        } else {
            cairo_surface_destroy(surface)
        }
    }

    /// Emits the current page to the file.
    func showPage() throws(ExportRenderError) {
        cairo_show_page(cr)
        try check("writing a page")
    }

    /// Writes the trailer and closes the file; the canvas takes no drawing after this.
    func complete() throws(ExportRenderError) {
        try check("finishing the last page")
        cairo_surface_finish(surface)
        if let failure = Self.failure(cairo_surface_status(surface), doing: "closing the file") {
            unlink(path)
            completed = true
            throw failure
        }
        completed = true
    }

    /// Throws if the context or the surface went into an error state (cairo stays there once it does).
    func check(_ doing: String) throws(ExportRenderError) {
        if let failure = Self.failure(cairo_status(cr), doing: doing) { throw failure }
        if let failure = Self.failure(cairo_surface_status(surface), doing: doing) { throw failure }
    }

    static func failure(_ status: cairo_status_t, doing: String) -> ExportRenderError? {
        guard status != CAIRO_STATUS_SUCCESS else { return nil }
        let reason = cairo_status_to_string(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
        return ExportRenderError("PDF: cairo failed \(doing): \(reason)")
    }
}
