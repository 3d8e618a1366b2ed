import Entities

/// One row a scenario: submissions (and forced sweeps) in arrival order, and the history they must leave.
public struct Scenario: Sendable, CustomStringConvertible {
    public enum Step: Sendable {
        case submit(EntityChange)
        case forceAll
        /// A reviewer clears the entity's conflict.
        case resolve
    }

    public var name: String
    public var steps: [Step]
    public var expected: [ExpectedVersion]
    public var entityConflict: Conflict? = nil
    public var conflicting: [Int: [String]] = [:]

    public var description: String { name }
}

typealias H = Changes
let A = Changes.branchA
let start = H.create([("height", "10"), ("circumference", "20")])

/// Every case the engine must get right, in arrival order, with the history each must leave.
public let scenarios: [Scenario] = [
    Scenario(
        name: "a non-contiguous branch after an earlier conflict was resolved",
        steps: [
            .submit(start), .submit(H.update(base: 1, [("height", "12")])),
            .submit(H.update(base: 1, trunk: 1, branch: A, [("circumference", "30")])), .resolve,
            .submit(H.update(base: 3, [("height", "13")])),
            .submit(H.update(base: 2, trunk: 1, branch: A, [("circumference", "31")])),
        ],
        expected: [
            ExpectedVersion(1, base: nil, ["height": "10", "circumference": "20"]),
            ExpectedVersion(2, base: 1, ["height": "12", "circumference": "20"]),
            ExpectedVersion(3, base: 1, branch: A, trunk: 1, branchBase: 1, conflict: .soft, ["height": "12", "circumference": "30"]),
            ExpectedVersion(4, base: 3, ["height": "13", "circumference": "30"]),
            ExpectedVersion(5, base: 3, branch: A, trunk: 1, branchBase: 2, conflict: .soft, ["height": "13", "circumference": "31"]),
        ],
        entityConflict: .soft),
    Scenario(
        name: "a branch in order",
        steps: [
            .submit(start), .submit(H.update(base: 1, trunk: 1, branch: A, [("height", "11")])),
            .submit(H.update(base: 2, trunk: 1, branch: A, [("circumference", "21")])),
            .submit(H.update(base: 3, trunk: 1, branch: A, [("height", "12")])),
        ],
        expected: [
            ExpectedVersion(1, base: nil, ["height": "10", "circumference": "20"]),
            ExpectedVersion(2, base: 1, branch: A, trunk: 1, branchBase: 1, ["height": "11", "circumference": "20"]),
            ExpectedVersion(3, base: 2, branch: A, trunk: 1, branchBase: 2, ["height": "11", "circumference": "21"]),
            ExpectedVersion(4, base: 3, branch: A, trunk: 1, branchBase: 3, ["height": "12", "circumference": "21"]),
        ]),
    Scenario(
        name: "a branch after the server moved on",
        steps: [
            .submit(start), .submit(H.update(base: 1, [("height", "12")])),
            .submit(H.update(base: 1, trunk: 1, branch: A, [("circumference", "30")])),
            .submit(H.update(base: 2, trunk: 1, branch: A, label: "ELM", [("height", "11")])),
        ],
        expected: [
            ExpectedVersion(1, base: nil, ["height": "10", "circumference": "20"]),
            ExpectedVersion(2, base: 1, ["height": "12", "circumference": "20"]),
            ExpectedVersion(3, base: 1, branch: A, trunk: 1, branchBase: 1, conflict: .soft, ["height": "12", "circumference": "30"]),
            ExpectedVersion(
                4, base: 3, branch: A, trunk: 1, branchBase: 2, conflict: .soft, ["height": "11", "circumference": "30"], label: "ELM"),
        ],
        entityConflict: .soft),
    Scenario(
        name: "a branch interrupted by an online update of another property",
        steps: [
            .submit(start), .submit(H.update(base: 1, trunk: 1, branch: A, [("height", "11")])),
            .submit(H.update(base: 2, [("circumference", "25")])),
            .submit(H.update(base: 2, trunk: 1, branch: A, [("height", "12")])),
        ],
        expected: [
            ExpectedVersion(1, base: nil, ["height": "10", "circumference": "20"]),
            ExpectedVersion(2, base: 1, branch: A, trunk: 1, branchBase: 1, ["height": "11", "circumference": "20"]),
            ExpectedVersion(3, base: 2, ["height": "11", "circumference": "25"]),
            ExpectedVersion(4, base: 2, branch: A, trunk: 1, branchBase: 2, conflict: .soft, ["height": "12", "circumference": "25"]),
        ],
        entityConflict: .soft, conflicting: [4: []]),
    Scenario(
        name: "a branch interrupted by an online update of the same property",
        steps: [
            .submit(start), .submit(H.update(base: 1, trunk: 1, branch: A, [("height", "11")])),
            .submit(H.update(base: 2, [("height", "50")])),
            .submit(H.update(base: 2, trunk: 1, branch: A, [("height", "12")])),
            .submit(H.update(base: 4, [("circumference", "21")])),
        ],
        expected: [
            ExpectedVersion(1, base: nil, ["height": "10", "circumference": "20"]),
            ExpectedVersion(2, base: 1, branch: A, trunk: 1, branchBase: 1, ["height": "11", "circumference": "20"]),
            ExpectedVersion(3, base: 2, ["height": "50", "circumference": "20"]),
            ExpectedVersion(4, base: 2, branch: A, trunk: 1, branchBase: 2, conflict: .hard, ["height": "12", "circumference": "20"]),
            ExpectedVersion(5, base: 4, ["height": "12", "circumference": "21"]),
        ],
        entityConflict: .hard, conflicting: [4: ["height"]]),
    Scenario(
        name: "a branch starting with an offline create",
        steps: [
            .submit(H.create([("height", "10"), ("circumference", "20")], branch: A)),
            .submit(H.update(base: 1, branch: A, [("height", "11")])),
            .submit(H.update(base: 2, branch: A, [("circumference", "21")])),
        ],
        expected: [
            ExpectedVersion(1, base: nil, branch: A, ["height": "10", "circumference": "20"]),
            ExpectedVersion(2, base: 1, branch: A, branchBase: 1, ["height": "11", "circumference": "20"]),
            ExpectedVersion(3, base: 2, branch: A, branchBase: 2, ["height": "11", "circumference": "21"]),
        ]),
    Scenario(
        name: "create, update, update interleaved with online updates",
        steps: [
            .submit(H.create([("height", "10"), ("circumference", "20")], branch: A)),
            .submit(H.update(base: 1, [("circumference", "30")])),
            .submit(H.update(base: 1, branch: A, [("height", "11")])),
            .submit(H.update(base: 3, [("circumference", "31")])),
            .submit(H.update(base: 2, branch: A, [("height", "12")])),
        ],
        expected: [
            ExpectedVersion(1, base: nil, branch: A, ["height": "10", "circumference": "20"]),
            ExpectedVersion(2, base: 1, ["height": "10", "circumference": "30"]),
            ExpectedVersion(3, base: 1, branch: A, branchBase: 1, conflict: .soft, ["height": "11", "circumference": "30"]),
            ExpectedVersion(4, base: 3, ["height": "11", "circumference": "31"]),
            ExpectedVersion(5, base: 3, branch: A, branchBase: 2, conflict: .soft, ["height": "12", "circumference": "31"]),
        ],
        entityConflict: .soft),
    Scenario(
        name: "a later update arriving first is held, then released",
        steps: [
            .submit(start), .submit(H.update(base: 2, trunk: 1, branch: A, [("circumference", "21")])),
            .submit(H.update(base: 1, trunk: 1, branch: A, [("height", "11")])),
        ],
        expected: [
            ExpectedVersion(1, base: nil, ["height": "10", "circumference": "20"]),
            ExpectedVersion(2, base: 1, branch: A, trunk: 1, branchBase: 1, ["height": "11", "circumference": "20"]),
            ExpectedVersion(3, base: 2, branch: A, trunk: 1, branchBase: 2, ["height": "11", "circumference": "21"]),
        ]),
    Scenario(
        name: "the whole branch arriving backwards",
        steps: [
            .submit(start),
            .submit(H.update(base: 3, trunk: 1, branch: A, [("height", "12")])),
            .submit(H.update(base: 2, trunk: 1, branch: A, [("circumference", "21")])),
            .submit(H.update(base: 1, trunk: 1, branch: A, [("height", "11")])),
        ],
        expected: [
            ExpectedVersion(1, base: nil, ["height": "10", "circumference": "20"]),
            ExpectedVersion(2, base: 1, branch: A, trunk: 1, branchBase: 1, ["height": "11", "circumference": "20"]),
            ExpectedVersion(3, base: 2, branch: A, trunk: 1, branchBase: 2, ["height": "11", "circumference": "21"]),
            ExpectedVersion(4, base: 3, branch: A, trunk: 1, branchBase: 3, ["height": "12", "circumference": "21"]),
        ]),
    Scenario(
        name: "an update arriving before its create",
        steps: [
            .submit(H.update(base: 1, branch: A, [("height", "11")])),
            .submit(H.create([("height", "10"), ("circumference", "20")], branch: A)),
        ],
        expected: [
            ExpectedVersion(1, base: nil, branch: A, ["height": "10", "circumference": "20"]),
            ExpectedVersion(2, base: 1, branch: A, branchBase: 1, ["height": "11", "circumference": "20"]),
        ]),
    Scenario(
        name: "forced processing with one missing predecessor",
        steps: [
            .submit(start), .submit(H.update(base: 2, trunk: 1, branch: A, [("circumference", "21")])), .forceAll,
            .submit(H.update(base: 1, trunk: 1, branch: A, [("height", "11")])),
        ],
        expected: [
            ExpectedVersion(1, base: nil, ["height": "10", "circumference": "20"]),
            ExpectedVersion(2, base: 1, branch: A, trunk: 1, branchBase: 2, ["height": "10", "circumference": "21"]),
            ExpectedVersion(3, base: 1, branch: A, trunk: 1, branchBase: 1, conflict: .soft, ["height": "11", "circumference": "21"]),
        ],
        entityConflict: .soft),
    Scenario(
        name: "forced processing with two missing predecessors",
        steps: [
            .submit(start), .submit(H.update(base: 2, trunk: 1, branch: A, [("circumference", "21")])),
            .submit(H.update(base: 3, trunk: 1, branch: A, [("height", "13")])), .forceAll,
            .submit(H.update(base: 1, trunk: 1, branch: A, [("height", "11")])),
        ],
        expected: [
            ExpectedVersion(1, base: nil, ["height": "10", "circumference": "20"]),
            ExpectedVersion(2, base: 1, branch: A, trunk: 1, branchBase: 2, ["height": "10", "circumference": "21"]),
            ExpectedVersion(3, base: 2, branch: A, trunk: 1, branchBase: 3, ["height": "13", "circumference": "21"]),
            ExpectedVersion(4, base: 1, branch: A, trunk: 1, branchBase: 1, conflict: .hard, ["height": "11", "circumference": "21"]),
        ],
        entityConflict: .hard, conflicting: [4: ["height"]]),
    Scenario(
        name: "an update forced as a create, then the late create applied as an update",
        steps: [
            .submit(H.update(base: 1, branch: A, [("height", "11")])), .forceAll,
            .submit(H.create([("height", "10"), ("circumference", "20")], branch: A)),
        ],
        expected: [
            ExpectedVersion(1, base: nil, branch: A, branchBase: 1, ["height": "11"], label: "auto generated"),
            ExpectedVersion(2, base: 1, branch: A, conflict: .hard, ["height": "10", "circumference": "20"]),
        ],
        entityConflict: .hard, conflicting: [2: ["height", "label"]]),
]
