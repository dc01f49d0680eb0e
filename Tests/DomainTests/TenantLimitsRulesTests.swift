import Domain
import Foundation
import Testing

@Suite("Tenant limits and retention bounds")
struct TenantLimitsRulesTests {
    let professional = Plan(code: "professional", name: "Professional", historyVisibleDays: nil, exportEnabled: true,
                            exportRowCap: 20_000, customRetentionAllowed: false)
    let trial = Plan(code: "trial", name: "Trial", historyVisibleDays: 30, exportEnabled: false, exportRowCap: 0,
                     customRetentionAllowed: false)

    @Test("a limit above the plan's ceiling is refused naming the field and both numbers; within it passes")
    func ceilings() throws {
        try TenantLimits(exportRowCap: 20_000, historyDays: [.agent: 36_500]).check(within: professional)
        #expect(throws: ValidationError(field: "exportRowCap",
                                        reason: "20001 rows per export is above the professional plan's ceiling of 20000 rows per export")) {
            try TenantLimits(exportRowCap: 20_001).check(within: professional)
        }
        #expect(throws: ValidationError(field: "historyDays.supervisor",
                                        reason: "31 days is above the trial plan's ceiling: its history window is 30 days")) {
            try TenantLimits(historyDays: [.supervisor: 31]).check(within: trial)
        }
        #expect(throws: ValidationError.self) { try TenantLimits(historyDays: [.admin: 0]).check(within: professional) }
        #expect(throws: ValidationError.self) { try TenantLimits(exportRowCap: -1).check(within: professional) }
    }

    @Test("in force is the smaller of plan and tenant, each; a plan without exports leaves no role exporting")
    func effective() {
        let limits = TenantLimits(exportRowCap: 500, exportRoles: [.admin], historyDays: [.agent: 90, .admin: 10])
        let onProfessional = limits.effective(under: professional)
        #expect(onProfessional.exportRowCap == 500 && onProfessional.exportRoles == [.admin])
        #expect(onProfessional.historyDays == [.agent: 90, .admin: 10])
        let onTrial = limits.effective(under: trial)
        #expect(onTrial.exportRowCap == 0 && onTrial.exportRoles.isEmpty && !onTrial.exportEnabled)
        #expect(onTrial.historyDays == [.agent: 30, .supervisor: 30, .admin: 10])
        #expect(TenantLimits.planDefaults.effective(under: professional).exportRoles == Set(UserRole.allCases))
    }

    @Test("a rule's days must sit within the plan's bounds and above the compliance minimum; the higher floor sets the cutoff")
    func retentionBounds() throws {
        let bounds = RetentionBounds(planCode: "enterprise", planMinimumDays: 180, planMaximumDays: 3_650, complianceMinimumDays: 365)
        #expect(bounds.minimumDays == 365)
        #expect(RetentionBounds(planCode: "x").minimumDays == nil)
        try RetentionRules.checkDeleteAfter(days: 365, bounds: bounds)
        #expect(throws: ValidationError.self) { try RetentionRules.checkDeleteAfter(days: 200, bounds: bounds) }
        #expect(throws: ValidationError(field: "deleteAfterDays",
                                        reason: "3651 days is above the enterprise plan's maximum retention of 3650 days")) {
            try RetentionRules.checkDeleteAfter(days: 3_651, bounds: bounds)
        }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(RetentionRules.cutoff(now: now, deleteAfterDays: 30, minimumDays: bounds.minimumDays)
                == now.addingTimeInterval(-365 * 86_400))
    }

    @Test("an operator's plan with a floor above its ceiling, or days out of range, is refused")
    func planValidation() throws {
        var plan = professional
        plan.minimumRetentionDays = 400
        plan.maximumRetentionDays = 300
        #expect(throws: ValidationError.self) { try plan.validate() }
        plan.maximumRetentionDays = 400
        try plan.validate()
        plan.historyVisibleDays = 0
        #expect(throws: ValidationError.self) { try plan.validate() }
    }
}
