/// JSON forms of the values the backlog keeps, so a held change can be applied later exactly as it came.
extension EntityChange {
    public var json: JSONValue {
        [
            "uuid": .string(uuid), "dataset": .string(datasetName), "label": JSONValue(label),
            "properties": .object(properties.json), "create": .bool(wantsCreate), "update": .bool(wantsUpdate),
            "baseVersion": JSONValue(baseVersion), "trunkVersion": JSONValue(trunkVersion), "branchId": JSONValue(branchId),
            "formAllowsCreate": .bool(formAllowsCreate), "formAllowsUpdate": .bool(formAllowsUpdate),
        ]
    }

    public init?(json: JSONValue) {
        guard let uuid = json["uuid"]?.stringValue, let dataset = json["dataset"]?.stringValue else { return nil }
        self.init(
            uuid: uuid, datasetName: dataset, label: json["label"]?.stringValue,
            properties: EntityProperties(json: json["properties"]?.objectValue ?? JSONObject()),
            wantsCreate: json["create"]?.boolValue ?? false, wantsUpdate: json["update"]?.boolValue ?? false,
            baseVersion: json["baseVersion"]?.intValue.map(Int.init), trunkVersion: json["trunkVersion"]?.intValue.map(Int.init),
            branchId: json["branchId"]?.stringValue, formAllowsCreate: json["formAllowsCreate"]?.boolValue ?? false,
            formAllowsUpdate: json["formAllowsUpdate"]?.boolValue ?? false)
    }
}

extension ChangeOrigin {
    public var json: JSONValue {
        var object: JSONObject = [
            "actorId": JSONValue(actorId), "userAgent": JSONValue(userAgent), "receivedAt": .string(receivedAt),
            "event": .string(event),
        ]
        if let eventId { object["eventId"] = .int(eventId) }
        if let details { object["details"] = .object(details) }
        if case .submission(let submissionId, let defId, let instanceId, let index) = source {
            object["submissionId"] = .int(submissionId)
            object["submissionDefId"] = .int(defId)
            object["instanceId"] = .string(instanceId)
            object["blockIndex"] = .int(Int64(index))
        }
        return .object(object)
    }

    public init?(json: JSONValue) {
        guard let receivedAt = json["receivedAt"]?.stringValue, let event = json["event"]?.stringValue else { return nil }
        let source: Source
        if let submissionId = json["submissionId"]?.intValue, let defId = json["submissionDefId"]?.intValue,
            let instanceId = json["instanceId"]?.stringValue, let index = json["blockIndex"]?.intValue
        {
            source = .submission(submissionId: submissionId, submissionDefId: defId, instanceId: instanceId, blockIndex: Int(index))
        } else {
            source = .api
        }
        self.init(
            source: source, actorId: json["actorId"]?.intValue, userAgent: json["userAgent"]?.stringValue,
            receivedAt: receivedAt, event: event, eventId: json["eventId"]?.intValue, details: json["details"]?.objectValue)
    }
}
