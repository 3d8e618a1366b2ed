import Entities
import Foundation
import Store

/// Turns the health facts into a status an operator can poll.
enum Health {
    static func assess(_ facts: HealthFacts, configuration: GatewayConfiguration, now: Date = Date()) -> JSONObject {
        var reasons: [String] = []
        var status = "healthy"
        func degrade(_ reason: String) {
            reasons.append(reason)
            if status == "healthy" { status = "degraded" }
        }
        func fail(_ reason: String) {
            reasons.append(reason)
            status = "unhealthy"
        }
        if let pass = facts.lastPass, pass.invalid > 0 { fail("the last full consistency pass found \(pass.invalid) invalid entities") }
        if facts.inconsistenciesLastDay > 0 { fail("\(facts.inconsistenciesLastDay) propagation inconsistencies in the last day") }
        var oldestAge: Int?
        if let held = facts.oldestHeldAt.flatMap(Timestamp.date) {
            let age = Int(now.timeIntervalSince(held))
            oldestAge = age
            // Held longer than the hold time plus a sweep interval: the sweep is not keeping up.
            if age > configuration.backlogHoldSeconds + configuration.backlogSweepSeconds { degrade("the backlog has stalled entries") }
        }
        if facts.entityErrorsLastHour > 0 { degrade("\(facts.entityErrorsLastHour) entity errors in the last hour") }
        var object: JSONObject = [
            "status": .string(status), "reasons": .array(reasons.map(JSONValue.string)),
            "backlogOldestAgeSeconds": JSONValue(oldestAge), "entityErrorsLastHour": .int(Int64(facts.entityErrorsLastHour)),
            "inconsistenciesLastDay": .int(Int64(facts.inconsistenciesLastDay)),
        ]
        if let pass = facts.lastPass {
            object["lastFullPass"] = [
                "finishedAt": .string(pass.finishedAt), "checked": .int(Int64(pass.checked)), "invalid": .int(Int64(pass.invalid)),
            ]
        } else {
            object["lastFullPass"] = .null
        }
        return object
    }
}
