import Foundation

/// One request of a campaign: a phone's submission or an online edit over the API.
enum Work {
    case submission(Data)
    case onlineUpdate(uuid: String)
}

/// A synthetic field campaign: entities registered, then offline branches of updates delivered in a
/// chosen disorder, with online edits interleaved.
struct Campaign {
    var creates: [Work] = []
    var updates: [Work] = []
    var entities: [String] = []

    struct Shape {
        var entities: Int
        var branchesPerEntity: Int
        var updatesPerBranch: Int
        /// Share of branches delivered shuffled (0...1).
        var shuffledShare: Double
        /// Deliver every branch backwards.
        var backwards: Bool
        /// Share of extra online API updates, relative to the number of offline updates.
        var onlineShare: Double
        var seed: UInt64
    }

    static func make(_ shape: Shape) -> Campaign {
        var random = SplitMix(seed: shape.seed)
        var campaign = Campaign()
        var counter = 0
        func instance() -> String {
            counter += 1
            return String(format: "uuid:%08x-0000-4000-8000-%012d", shape.seed & 0xffff_ffff, counter)
        }
        var branches: [[Work]] = []
        for e in 0..<shape.entities {
            let uuid = String(format: "e7000000-%04x-4000-8000-%012d", Int(shape.seed % 0xffff), e)
            campaign.entities.append(uuid)
            campaign.creates.append(
                .submission(
                    upsert(
                        uuid: uuid, create: true, base: nil, trunk: nil, branch: nil, label: "Tree \(e)",
                        fields: [("species", "Quercus"), ("height", "10"), ("circumference", "20")], instance: instance())))
            for b in 0..<shape.branchesPerEntity {
                let branch = String(format: "b7a0c0de-%04x-4000-8000-%012d", b, e)
                var updates: [Work] = (1...shape.updatesPerBranch).map { step in
                    let field = ["height", "circumference", "species"][Int(random.next() % 3)]
                    return .submission(
                        upsert(
                            uuid: uuid, create: false, base: step, trunk: 1, branch: branch, label: nil,
                            fields: [(field, String(random.next() % 1000))], instance: instance()))
                }
                if shape.backwards {
                    updates.reverse()
                } else if Double(random.next() % 1000) / 1000 < shape.shuffledShare {
                    updates.shuffle(using: &random)
                }
                branches.append(updates)
            }
        }
        // Phones come back in any order: interleave branches, keeping each branch's own delivery order.
        var cursors = Array(repeating: 0, count: branches.count)
        var open = Array(branches.indices).filter { !branches[$0].isEmpty }
        while !open.isEmpty {
            let pick = Int(random.next() % UInt64(open.count))
            let index = open[pick]
            campaign.updates.append(branches[index][cursors[index]])
            cursors[index] += 1
            if cursors[index] == branches[index].count { open.remove(at: pick) }
        }
        let online = Int(Double(campaign.updates.count) * shape.onlineShare)
        for _ in 0..<online where !campaign.entities.isEmpty {
            let at = Int(random.next() % UInt64(campaign.updates.count + 1))
            campaign.updates.insert(.onlineUpdate(uuid: campaign.entities[Int(random.next() % UInt64(campaign.entities.count))]), at: at)
        }
        return campaign
    }

    /// A trees_upsert submission (SampleForms), filled as Collect fills it.
    static func upsert(
        uuid: String, create: Bool, base: Int?, trunk: Int?, branch: String?, label: String?, fields: [(String, String)], instance: String
    ) -> Data {
        let values = fields.map { "<\($0.0)>\($0.1)</\($0.0)>" }.joined()
        let entity =
            "<entity dataset=\"trees\" create=\"\(create)\" update=\"\(!create)\" baseVersion=\"\(base.map(String.init) ?? "")\" trunkVersion=\"\(trunk.map(String.init) ?? "")\" branchId=\"\(branch ?? "")\" id=\"\(uuid)\"><label>\(label ?? "")</label></entity>"
        return Data(
            "<?xml version='1.0' ?><data id=\"trees_upsert\" version=\"1\"><mode/>\(values)<meta>\(entity)<instanceID>\(instance)</instanceID></meta></data>"
                .utf8)
    }

    /// A big_survey submission with all 250 answers.
    static func bigSurvey(template: String, number: Int) -> Data {
        var xml = template
        for q in 1...250 {
            let value: String
            switch (q - 1) % 5 {
            case 1: value = String(q * 3)
            case 2: value = "\(q).5"
            case 3: value = q % 2 == 0 ? "yes" : "no"
            default: value = "answer \(q) of submission \(number)"
            }
            xml = xml.replacingOccurrences(of: String(format: "<q%03d/>", q), with: String(format: "<q%03d>%@</q%03d>", q, value, q))
        }
        let instance = String(format: "uuid:b1650000-0000-4000-8000-%012d", number)
        return Data(xml.replacingOccurrences(of: "<instanceID/>", with: "<instanceID>\(instance)</instanceID>").utf8)
    }
}

/// SplitMix64: small, fast, seeded.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
