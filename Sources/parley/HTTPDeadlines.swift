import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// How long a client may take over each part of an HTTP/1.1 exchange (`PARLEY_*_TIMEOUT_SECONDS`).
struct HTTPTimeouts: Sendable {
    /// From the first byte of a request to the end of its head (request line and headers).
    var header: TimeAmount
    /// From the end of a request's head to the end of its body: a total, so a client that
    /// trickles a byte now and then cannot stretch it.
    var body: TimeAmount
    /// An open connection with no request on it (before the first, or after a response).
    var idle: TimeAmount

    /// The server for `Application(server:)`: Hummingbird's HTTP/1.1 channel with its own
    /// idle timeout, plus `HTTPDeadlineHandler` for the two deadlines Hummingbird lacks.
    func serverBuilder(logger: Logger) -> HTTPServerBuilder {
        .http1(configuration: .init(
            additionalChannelHandlers: [HTTPDeadlineHandler(timeouts: self, logger: logger)],
            idleTimeout: idle))
    }
}

/// Header and body deadlines for one HTTP/1.1 connection.
///
/// Hummingbird 2.28 has one connection timer, `HTTP1Channel.Configuration.idleTimeout`
/// (`HTTPConnectionStateHandler`): it closes a connection when no HTTP *part* (a whole
/// request head, a body chunk, an end) has arrived for that long, except while a response
/// is being produced. That covers idle keep-alive connections, but not slow clients: a head
/// arriving byte by byte produces no part until it is complete, so it gets the idle allowance
/// (and only one deadline for both cases), and a body trickled a byte at a time refreshes
/// the timer with every chunk, forever. This handler adds what is missing:
///
/// - a request whose head has started but not finished within `timeouts.header` gets 408
///   and the connection is closed;
/// - a body not complete within `timeouts.body` of its head is cut off: 408 if no response
///   has started yet (the route is still waiting for the body), otherwise the connection is
///   closed (the response was sent, but Hummingbird would wait for the rest of the body to
///   reuse the connection).
///
/// It sits after the HTTP/1 decoder (it sees request parts, installed through
/// `additionalChannelHandlers`) and learns that bytes of a new head have arrived from
/// `channelReadComplete`, which the decoder passes on for every socket read even when the
/// bytes did not yet make a part. One timer at a time, only while a head or body is being
/// read; requests that arrive whole in one read schedule none. Bytes of a pipelined next
/// request that arrive in the same read as the end of the previous one are left to the idle
/// timeout.
final class HTTPDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum Phase {
        /// Between requests: no byte of the next one seen (the idle timeout applies).
        case idle
        /// Bytes of a head have arrived, the head is not complete.
        case readingHead(deadline: NIODeadline)
        /// The head has arrived, the body's end not yet.
        case readingBody(deadline: NIODeadline)
        /// The request is complete; the route is answering.
        case answering
        case closed
    }

    private let timeouts: HTTPTimeouts
    private let logger: Logger
    private var phase = Phase.idle
    /// Requests read to their end, and response heads and ends written, on this connection.
    /// Counted rather than flagged per request: with pipelined requests the answer to one
    /// is written while the next is being read, and a flag mixed them up (a trial saw the
    /// connection closed before the second of two pipelined answers).
    private var requestsRead = 0
    private var responseHeads = 0
    private var responseEnds = 0
    private var timer: Scheduled<Void>?

    init(timeouts: HTTPTimeouts, logger: Logger) {
        self.timeouts = timeouts
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            cancelTimer()
            phase = .readingBody(deadline: .now() + timeouts.body)
        case .body:
            break
        case .end:
            cancelTimer()
            requestsRead += 1
            // A route may answer before it read the body (401 before the upload): then the
            // connection is between requests as soon as the body has been drained.
            phase = responseEnds >= requestsRead ? .idle : .answering
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        switch phase {
        case .idle:
            // Bytes arrived and did not complete a head: a request has started.
            let deadline = NIODeadline.now() + timeouts.header
            phase = .readingHead(deadline: deadline)
            schedule(context, at: deadline)
        case .readingHead(let deadline), .readingBody(let deadline):
            if timer == nil { schedule(context, at: deadline) }
        case .answering, .closed:
            break
        }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head:
            responseHeads += 1
        case .body:
            break
        case .end:
            responseEnds += 1
            if case .answering = phase, responseEnds >= requestsRead { phase = .idle }
        }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        phase = .closed
        cancelTimer()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
    }

    private func schedule(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.timer = nil
            self.deadlinePassed(context)
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }

    private func deadlinePassed(_ context: ChannelHandlerContext) {
        let what: String
        let answer: Bool
        switch phase {
        case .readingHead:
            what = "request head not complete within \(timeouts.header.seconds) s"
            answer = true
        case .readingBody:
            what = "request body not complete within \(timeouts.body.seconds) s"
            // Unanswered yet if every response head written so far belongs to an earlier request.
            answer = responseHeads <= requestsRead
        case .idle, .answering, .closed:
            return
        }
        phase = .closed
        logger.debug("closing slow HTTP connection", metadata: [
            "reason": "\(what)", "remote": "\(context.remoteAddress?.description ?? "-")",
        ])
        if answer {
            let head = HTTPResponse(status: .requestTimeout, headerFields: [.connection: "close", .contentLength: "0"])
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        context.close(promise: nil)
    }
}

extension TimeAmount {
    /// Whole seconds, for messages.
    fileprivate var seconds: Int64 { nanoseconds / 1_000_000_000 }
}
