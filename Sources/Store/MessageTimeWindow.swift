import Foundation

/// The times between which a set of conversations' messages lie.
///
/// Ingestion keeps a conversation's `started_at` and `last_message_at` the least and
/// greatest of its messages' times, so the earliest start and the latest last message of
/// a set hold all of their messages. Queries over a set's messages say so: messages are
/// partitioned by month, and `conversation_id = ANY(…)` alone probes every month's index
/// for every id (27 partitions; 20,261 buffers for a page of 500 conversations, 3,761 with
/// the bounds). The bounds are bound values, so PostgreSQL prunes while planning.
enum MessageTimeWindow {
    /// From `earliest` to `latest`, widened by a second on each side: a time that went
    /// through `Date` (a Double) may come back a microsecond off.
    static func covering(earliest: Date, latest: Date) -> ClosedRange<Date> {
        earliest.addingTimeInterval(-1)...max(earliest, latest).addingTimeInterval(1)
    }
}
