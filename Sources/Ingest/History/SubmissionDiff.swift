import Crypto
import Entities
import Foundation
import XMLParse

/// Central's diff between versions of a submission: for each version but the first, what changed from the one before,
/// as `{old?, new?, path}` with a repeat instance's step written `[name, index]`.
///
/// Groups and repeats are those of the current form version (`structurals`); a subtree whose content hash is unchanged
/// is skipped whole, and repeat instances are matched by content (a longest common subsequence of their hashes), not
/// by position, so inserting an instance is one addition rather than a change to every instance after it.
enum SubmissionDiff {
    enum Kind { case group, repeating }

    indirect enum Node {
        case leaf(String)
        case object(Object)
        case array(Items)

        var hash: Data? {
            switch self {
            case .leaf: nil
            case .object(let object): object.hash
            case .array(let items): items.hash
            }
        }

        var json: JSONValue {
            switch self {
            case .leaf(let text): .string(text)
            case .object(let object): object.json
            case .array(let items): .array(items.objects.map(\.json))
            }
        }
    }

    struct Object {
        var keys: [String] = []
        var values: [String: Node] = [:]
        var hash = Data()

        var json: JSONValue {
            var seen = Set<String>()
            return .object(JSONObject(keys.filter { seen.insert($0).inserted }.compactMap { key in values[key].map { (key, $0.json) } }))
        }
    }

    struct Items {
        var objects: [Object] = []
        var hash = Data()
    }

    /// `versions` newest first; the result is keyed by each newer version's instanceID, newest first.
    static func diffs(versions: [(instanceId: String, instance: InstanceElement)], structurals: [String: Kind]) -> JSONObject {
        let trees = versions.map { tree($0.instance, structurals: structurals) }
        var result = JSONObject()
        for index in versions.indices.dropLast() {
            result[versions[index].instanceId] = .array(diffObject(trees[index + 1], trees[index], path: []).map { .object($0) })
        }
        return result
    }

    static func tree(_ root: InstanceElement, structurals: [String: Kind]) -> Object {
        var object = Object()
        var hasher = Insecure.SHA1()
        fill(&object, hasher: &hasher, element: root, path: "", structurals: structurals)
        object.hash = Data(hasher.finalize())
        return object
    }

    private static func fill(
        _ object: inout Object, hasher: inout Insecure.SHA1, element: InstanceElement, path: String, structurals: [String: Kind]
    ) {
        var arrays: [String: Items] = [:]
        for child in element.children {
            let childPath = path + "/" + child.name
            object.keys.append(child.name)
            switch structurals[childPath] {
            case .group?, .repeating?:
                var nested = Object()
                var nestedHasher = Insecure.SHA1()
                fill(&nested, hasher: &nestedHasher, element: child, path: childPath, structurals: structurals)
                nested.hash = Data(nestedHasher.finalize())
                hasher.update(data: nested.hash)
                if structurals[childPath] == .repeating {
                    arrays[child.name, default: Items()].objects.append(nested)
                    object.values[child.name] = .array(arrays[child.name]!)
                } else {
                    object.values[child.name] = .object(nested)
                }
            case nil:
                // Not a group of this form version: its leaves count in the enclosing object, as Central reads them.
                if !child.children.isEmpty { fill(&object, hasher: &hasher, element: child, path: childPath, structurals: structurals) }
                object.values[child.name] = .leaf(child.text)
                hasher.update(data: Data("\(child.name)\0\(child.text)\0\0".utf8))
            }
        }
        for (name, var items) in arrays {
            var itemsHasher = Insecure.SHA1()
            for item in items.objects { itemsHasher.update(data: item.hash) }
            items.hash = Data(itemsHasher.finalize())
            object.values[name] = .array(items)
        }
    }

    static func change(old: Node?, new: Node?, path: [JSONValue]) -> JSONObject {
        var change = JSONObject()
        if let old { change["old"] = old.json }
        if let new { change["new"] = new.json }
        change["path"] = .array(path)
        return change
    }

    static func diffObject(_ a: Object, _ b: Object, path: [JSONValue]) -> [JSONObject] {
        var keys: [String] = []
        var seen = Set<String>()
        for key in a.keys + b.keys where seen.insert(key).inserted { keys.append(key) }
        var changes: [JSONObject] = []
        for key in keys {
            let step = path + [.string(key)]
            switch (a.values[key], b.values[key]) {
            case (nil, let new?): changes.append(change(old: nil, new: new, path: step))
            case (let old?, nil): changes.append(change(old: old, new: nil, path: step))
            case (.leaf(let old)?, .leaf(let new)?):
                if old != new { changes.append(change(old: .leaf(old), new: .leaf(new), path: step)) }
            case (.object(let old)?, .object(let new)?):
                if old.hash != new.hash { changes += diffObject(old, new, path: step) }
            case (.array(let old)?, .array(let new)?):
                if old.hash != new.hash { changes += diffArray(old.objects, new.objects, path: path, key: key) }
            case (let old?, let new?):
                changes.append(change(old: old, new: new, path: step))
            case (nil, nil): break
            }
        }
        return changes
    }

    static func step(_ key: String, _ index: Int) -> JSONValue { .array([.string(key), .int(Int64(index))]) }

    /// Hunks of a longest common subsequence of the instances' hashes: `(aStart, aEnd, bStart, bEnd)`, half open.
    static func hunks(_ a: [Data], _ b: [Data]) -> [(Int, Int, Int, Int)] {
        var lengths = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lengths[i][j] = a[i] == b[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var hunks: [(Int, Int, Int, Int)] = []
        var (i, j, startA, startB) = (0, 0, 0, 0)
        func close() { if i > startA || j > startB { hunks.append((startA, i, startB, j)) } }
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                close()
                i += 1
                j += 1
                (startA, startB) = (i, j)
            } else if j < b.count, i == a.count || lengths[i][j + 1] >= lengths[i + 1][j] {
                j += 1
            } else {
                i += 1
            }
        }
        close()
        return hunks
    }

    static func diffArray(_ a: [Object], _ b: [Object], path: [JSONValue], key: String) -> [JSONObject] {
        var changes: [JSONObject] = []
        for (aa, az, ba, bz) in hunks(a.map(\.hash), b.map(\.hash)) {
            if aa == az {
                for i in ba..<bz { changes.append(change(old: nil, new: .object(b[i]), path: path + [step(key, i)])) }
            } else if ba == bz {
                for i in aa..<az { changes.append(change(old: .object(a[i]), new: nil, path: path + [step(key, i)])) }
            } else if az - aa == bz - ba {
                for i in 0..<(az - aa) { changes += diffObject(a[aa + i], b[ba + i], path: path + [step(key, aa + i)]) }
            } else {
                changes += unevenHunk(a: Array(a[aa..<az]), aStart: aa, b: Array(b[ba..<bz]), bStart: ba, path: path, key: key)
            }
        }
        return changes
    }

    /// Central's rule for a hunk with more instances on one side: the instances of the longer side that match nothing
    /// well (by Central's knockout of the worst minimum scores) are additions or removals, the rest pair up in order.
    static func unevenHunk(a: [Object], aStart: Int, b: [Object], bStart: Int, path: [JSONValue], key: String) -> [JSONObject] {
        let older = a.count > b.count
        let (long, short, longStart) = older ? (a, b, aStart) : (b, a, bStart)
        func diff(_ i: Int, _ j: Int) -> [JSONObject] {
            older
                ? diffObject(long[i], short[j], path: path + [step(key, aStart + i)])
                : diffObject(short[j], long[i], path: path + [step(key, aStart + j)])
        }
        func score(_ changes: [JSONObject]) -> Int {
            1 + changes.reduce(0) { $0 + deepCount($1["old"]) + deepCount($1["new"]) }
        }
        let delta = long.count - short.count
        var knockouts: [(min: Int, index: Int)] = []
        for i in long.indices {
            let minimum = short.indices.map { score(diff(i, $0)) }.min() ?? 0
            if i < delta {
                knockouts.append((minimum, longStart + i))
                continue
            }
            for k in knockouts.indices where knockouts[k].min <= minimum {
                knockouts[k] = (minimum, longStart + i)
                break
            }
        }
        let skipped = Set(knockouts.map(\.index))
        var changes: [JSONObject] = []
        var j = 0
        for i in long.indices {
            if skipped.contains(longStart + i) {
                changes.append(
                    change(
                        old: older ? .object(long[i]) : nil, new: older ? nil : .object(long[i]), path: path + [step(key, longStart + i)]))
            } else if j < short.count {
                changes += diff(i, j)
                j += 1
            }
        }
        return changes
    }

    static func deepCount(_ value: JSONValue?) -> Int {
        switch value {
        case nil, .null?: 0
        case .object(let object)?: object.pairs.reduce(0) { $0 + 1 + deepCount($1.value) }
        case .array(let items)?: items.reduce(0) { $0 + 1 + deepCount($1) }
        default: 1
        }
    }
}
