/// Recomputes an entity's history from its inputs with the same processor live work uses.
public enum Replay {
    public struct Result: Sendable, Equatable {
        public var entity: EntityRef?
        public var versions: [StoredVersion]
        public var origins: [ChangeOrigin]
        public var resolvedThrough: Int?
    }

    public static func run(_ inputs: [EntityInput], uuid: String, dataset: DatasetRef) -> Result {
        // Approval was settled before a change was logged, so the replayed dataset never defers.
        var open = dataset
        open.approvalRequired = false
        let workspace = InMemoryEntityWorkspace(datasets: [open])
        let processor = EntityProcessor(workspace: workspace)
        for input in inputs {
            switch input {
            case .change(let change, let origin):
                _ = try? workspace.savepoint { try processor.applyAndRelease(change, origin: origin) }
            case .force(let origin):
                if let held = workspace.backlog.first(where: { $0.origin == origin }) { try? processor.force(held) }
            case .discard(let origin):
                if let held = workspace.backlog.first(where: { $0.origin == origin }) { _ = try? workspace.take(held) }
            case .delete:
                try? processor.delete(uuid: uuid, datasetName: dataset.name, actorId: nil)
            case .resolve:
                try? processor.resolve(uuid: uuid, datasetName: dataset.name, actorId: nil)
            }
        }
        let entity = workspace.entities[uuid]
        return Result(
            entity: entity?.ref, versions: entity?.versions ?? [], origins: entity?.origins ?? [],
            resolvedThrough: entity?.resolvedThrough)
    }
}
