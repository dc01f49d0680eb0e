@testable import API
import Testing

@Suite("Long-poll spread")
struct LongPollSpreadTests {
    @Test("an idle wait is held between half of `wait` and all of it, not the same for everyone")
    func spreadStaysInItsLastQuarter() {
        let holds = (0..<400).map { _ in NotificationListQuery.spread(.seconds(20)) }
        #expect(holds.allSatisfy { $0 >= .seconds(10) && $0 <= .seconds(20) }, "\(holds.min()!) … \(holds.max()!)")
        // 400 draws from 10,001 milliseconds: the chance that all fall in one second is nil.
        #expect(holds.max()! - holds.min()! > .seconds(1))
        #expect(NotificationListQuery.spread(.zero) == .zero)
    }
}
