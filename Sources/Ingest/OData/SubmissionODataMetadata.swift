import Foundation

/// Central's `$metadata` EDMX for a form: the fixed submission metadata schema, then an entity type per table and a
/// complex type per group, and the container with Central's capability annotations on `Submissions`.
extension SubmissionODataSchema {
    static let edmTypes = [
        "int": "Edm.Int64", "decimal": "Edm.Decimal", "boolean": "Edm.Boolean", "geopoint": "Edm.GeographyPoint",
        "geotrace": "Edm.GeographyLineString", "geoshape": "Edm.GeographyPolygon", "date": "Edm.Date", "dateTime": "Edm.DateTimeOffset",
    ]

    func metadataDocument() -> String {
        let namespace = "org.opendatakit.user.\(Representation.odataName(xmlFormId))"
        var entityTypes: [(name: String, lines: [String])] = [("Submissions", [])]
        var complexTypes: [(name: String, lines: [String])] = []

        func property(_ node: Node) -> String {
            switch node.kind {
            case .primitive:
                "<Property Name=\"\(escape(node.odataName))\" Type=\"\(Self.edmTypes[node.field.type] ?? "Edm.String")\"/>"
            case .group:
                "<Property Name=\"\(escape(node.odataName))\" Type=\"\(namespace).\(escape(node.odataPath.joined(separator: ".")))\"/>"
            case .repeating:
                "<NavigationProperty Name=\"\(escape(node.odataName))\" Type=\"Collection(\(namespace).\(escape(node.tableName)))\"/>"
            }
        }
        /// Adds the nodes' properties to the type at `index` (entity or complex), opening new types as it goes.
        func describe(_ nodes: [Node], entity: Bool, index: Int) {
            for node in nodes {
                if entity { entityTypes[index].lines.append(property(node)) } else { complexTypes[index].lines.append(property(node)) }
                switch node.kind {
                case .primitive: break
                case .group:
                    complexTypes.append((node.odataPath.joined(separator: "."), []))
                    describe(node.children, entity: false, index: complexTypes.count - 1)
                case .repeating:
                    entityTypes.append(
                        (
                            node.tableName,
                            [
                                "<Property Name=\"__id\" Type=\"Edm.String\"/>",
                                "<Property Name=\"\(node.parentKeyName)\" Type=\"Edm.String\"/>",
                            ]
                        ))
                    describe(node.children, entity: true, index: entityTypes.count - 1)
                }
            }
        }
        entityTypes[0].lines = [
            "<Property Name=\"__id\" Type=\"Edm.String\"/>", "<Property Name=\"__system\" Type=\"org.opendatakit.submission.metadata\"/>",
        ]
        describe(roots, entity: true, index: 0)

        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">
              <edmx:DataServices>
                <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="org.opendatakit.submission">
                  <ComplexType Name="metadata">
                    <Property Name="submissionDate" Type="Edm.DateTimeOffset"/>
                    <Property Name="updatedAt" Type="Edm.DateTimeOffset"/>
                    <Property Name="deletedAt" Type="Edm.DateTimeOffset"/>
                    <Property Name="submitterId" Type="Edm.String"/>
                    <Property Name="submitterName" Type="Edm.String"/>
                    <Property Name="attachmentsPresent" Type="Edm.Int64"/>
                    <Property Name="attachmentsExpected" Type="Edm.Int64"/>
                    <Property Name="status" Type="org.opendatakit.submission.Status"/>
                    <Property Name="reviewState" Type="org.opendatakit.submission.ReviewState"/>
                    <Property Name="deviceId" Type="Edm.String"/>
                    <Property Name="edits" Type="Edm.Int64"/>
                    <Property Name="formVersion" Type="Edm.String"/>
                  </ComplexType>
                  <EnumType Name="Status">
                    <Member Name="notDecrypted"/>
                    <Member Name="missingEncryptedFormData"/>
                  </EnumType>
                  <EnumType Name="ReviewState">
                    <Member Name="hasIssues"/>
                    <Member Name="edited"/>
                    <Member Name="rejected"/>
                    <Member Name="approved"/>
                  </EnumType>
                </Schema>
                <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="\(namespace)">

            """
        for type in entityTypes {
            out += "      <EntityType Name=\"\(escape(type.name))\">\n        <Key><PropertyRef Name=\"__id\"/></Key>\n"
            for line in type.lines { out += "        \(line)\n" }
            out += "      </EntityType>\n"
        }
        for type in complexTypes {
            out += "      <ComplexType Name=\"\(escape(type.name))\">\n"
            for line in type.lines { out += "        \(line)\n" }
            out += "      </ComplexType>\n"
        }
        out += """
                  <EntityContainer Name="\(escape(xmlFormId))">
                    <EntitySet Name="Submissions" EntityType="\(namespace).Submissions">
            \(ODataCapabilities.annotations(nonFilterable: roots.map { escape($0.odataName) }))
                    </EntitySet>

            """
        for node in repeats {
            out +=
                "        <EntitySet Name=\"\(escape(node.tableName))\" EntityType=\"\(namespace).\(escape(node.tableName))\">\n        </EntitySet>\n"
        }
        out += "      </EntityContainer>\n    </Schema>\n  </edmx:DataServices>\n</edmx:Edmx>"
        return out
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
