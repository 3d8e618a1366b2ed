import XMLParse

/// The CSV tables of a form as Central's export lays them out: the submissions, then one table per repeat in form
/// order, each with its fields' columns (a geopoint in four, a select-multiple followed by one 0/1 column per known value).
struct SubmissionTableLayout: Sendable {
    struct Table: Sendable {
        /// The repeat's path below the root, nil for the submissions table.
        var repeatPath: String?
        var fileName: String
        /// The field columns (the system columns are added around them).
        var columns: [String]
        /// Each split select-multiple column's starting value: `0`, as Central writes for a value not chosen.
        var defaults: [String]
    }

    enum Placement: Sendable {
        case plain(column: Int)
        case geopoint(column: Int)
        case selectMultiple(column: Int, choices: [String: Int])
    }

    struct Slot: Sendable {
        var table: Int
        var placement: Placement
    }

    static let submissionSystemColumns = [
        "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState", "DeviceID",
        "Edits", "FormVersion",
    ]

    private(set) var tables: [Table] = []
    /// Every field by its path below the root.
    private(set) var fields: [String: FormField] = [:]
    /// Where a value field's text goes.
    private(set) var slots: [String: Slot] = [:]
    /// The table a repeat's rows go to.
    private(set) var repeatTables: [String: Int] = [:]

    /// `choices` are the known values of each select-multiple, by path, when its columns are split.
    init(fields list: [FormField], xmlFormId: String, groupPaths: Bool, choices: [String: [String]] = [:]) {
        let repeats = list.filter { $0.type == "repeat" }
        let lastNames = repeats.map { $0.path.split(separator: "/").last.map(String.init) ?? $0.name }
        tables.append(Table(repeatPath: nil, fileName: "\(xmlFormId).csv", columns: [], defaults: []))
        for (index, field) in repeats.enumerated() {
            let shared = lastNames.filter { $0 == lastNames[index] }.count > 1
            let ordinal = lastNames[...index].filter { $0 == lastNames[index] }.count
            let name = shared ? "\(xmlFormId)-\(lastNames[index])~\(ordinal).csv" : "\(xmlFormId)-\(lastNames[index]).csv"
            repeatTables[field.path] = tables.count
            tables.append(Table(repeatPath: field.path, fileName: name, columns: [], defaults: []))
        }
        for field in list {
            fields[field.path] = field
            guard field.type != "repeat", field.type != "structure" else { continue }
            let enclosing = repeats.filter { field.path.hasPrefix($0.path + "/") }.max { $0.path.count < $1.path.count }
            let table = enclosing.flatMap { repeatTables[$0.path] } ?? 0
            let relative = enclosing.map { String(field.path.dropFirst($0.path.count + 1)) } ?? String(field.path.dropFirst())
            let base = groupPaths ? relative.replacingOccurrences(of: "/", with: "-") : field.name
            let column = tables[table].columns.count
            if field.type == "geopoint" {
                add(["\(base)-Latitude", "\(base)-Longitude", "\(base)-Altitude", "\(base)-Accuracy"], defaults: "", to: table)
                slots[field.path] = Slot(table: table, placement: .geopoint(column: column))
            } else if field.selectMultiple {
                let known = choices[field.path] ?? []
                add([base], defaults: "", to: table)
                add(known.map { "\(base)/\($0)" }, defaults: "0", to: table)
                let positions = Dictionary(known.enumerated().map { ($1, column + 1 + $0) }, uniquingKeysWith: { first, _ in first })
                slots[field.path] = Slot(table: table, placement: .selectMultiple(column: column, choices: positions))
            } else {
                add([base], defaults: "", to: table)
                slots[field.path] = Slot(table: table, placement: .plain(column: column))
            }
        }
    }

    private mutating func add(_ columns: [String], defaults: String, to table: Int) {
        tables[table].columns += columns
        tables[table].defaults += Array(repeating: defaults, count: columns.count)
    }

    func header(of table: Int) -> [String] {
        table == 0
            ? ["SubmissionDate"] + tables[0].columns + Self.submissionSystemColumns
            : tables[table].columns + ["PARENT_KEY", "KEY"]
    }
}
