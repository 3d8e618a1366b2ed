import Foundation
import Hummingbird
import Store

/// Entity lists rendered to files, one per dataset, kept until the list changes.
///
/// Collect asks for a form's media on a schedule and every phone of a project gets the same list, so a
/// list is rendered once per change, streamed from the database into a file, and every download is served
/// from that file; while one render of a dataset runs, other requests for it wait for it instead of
/// starting their own.
actor EntityListCache {
    struct Rendered: Sendable {
        var state: EntityListState
        var file: TemporaryFile
        var size: Int
    }

    let directory: String
    private var rendered: [Int64: Rendered] = [:]
    private var rendering: [Int64: Task<Rendered?, any Error>] = [:]

    init(directory: String) {
        self.directory = directory
        ScratchDirectory.prepare(directory)
    }

    /// The list as it is now, rendered when it changed since the last render; nil for an unknown dataset.
    func list(datasetId: Int64, store: GatewayStore) async throws -> Rendered? {
        while true {
            guard let state = try await store.entityListState(datasetId: datasetId) else { return nil }
            if let cached = rendered[datasetId], cached.state.revision >= state.revision { return cached }
            if let running = rendering[datasetId] {
                _ = try? await running.value
                continue
            }
            let task = Task { [directory] in try await Self.render(datasetId: datasetId, store: store, directory: directory) }
            rendering[datasetId] = task
            defer { rendering[datasetId] = nil }
            guard let fresh = try await task.value else { return nil }
            if fresh.state.revision >= rendered[datasetId]?.state.revision ?? -1 { rendered[datasetId] = fresh }
            return fresh
        }
    }

    private static func render(datasetId: Int64, store: GatewayStore, directory: String) async throws -> Rendered? {
        let path = directory + "/entity-list-\(datasetId)-\(UUID().uuidString).csv"
        guard let handle = fopen(path, "wb") else { throw UploadError.spillFailed }
        let file = TemporaryFile(path: path)
        let writer = LineWriter(handle: handle)
        defer { writer.close() }
        let state = try await store.readEntityList(
            datasetId: datasetId,
            header: { names in try writer.write(["name", "label", "__version"] + names) },
            row: { row in try writer.write([row.uuid, row.label, String(row.version)] + row.values) })
        try writer.flush()
        guard let state else { return nil }
        return Rendered(state: state, file: file, size: writer.written)
    }
}

/// CSV lines into a file through a buffer, from the database's reading thread.
private final class LineWriter: @unchecked Sendable {
    let handle: UnsafeMutablePointer<FILE>
    private var buffer: [UInt8] = []
    private(set) var written = 0
    private var closed = false

    init(handle: UnsafeMutablePointer<FILE>) {
        self.handle = handle
        buffer.reserveCapacity(1 << 16)
    }

    func write(_ fields: [String]) throws {
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            buffer.append(contentsOf: CSV.field(field).utf8)
        }
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 16 { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        let count = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, handle) }
        guard count == buffer.count else { throw UploadError.spillFailed }
        written += count
        buffer.removeAll(keepingCapacity: true)
    }

    func close() {
        guard !closed else { return }
        closed = true
        fclose(handle)
    }
}
