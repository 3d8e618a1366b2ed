import Foundation

/// Central's capability annotations on an OData entity set, as its `$metadata` writes them (the repeated
/// `FilterFunctions` term, one holding `NonCountableProperties`, is Central's and kept as is).
enum ODataCapabilities {
    /// The annotation lines, indented for an `EntitySet` inside an `EntityContainer`, the last without its newline.
    static func annotations(nonFilterable: [String]) -> String {
        let paths = nonFilterable.map { "                  <PropertyPath>\($0)</PropertyPath>\n" }.joined()
        return """
                      <Annotation Term="Org.OData.Capabilities.V1.ConformanceLevel" EnumMember="Org.OData.Capabilities.V1.ConformanceLevelType/Minimal"/>
                      <Annotation Term="Org.OData.Capabilities.V1.BatchSupported" Bool="false"/>
                      <Annotation Term="Org.OData.Capabilities.V1.CountRestrictions">
                        <Record><PropertyValue Property="Countable" Bool="true"/></Record>
                      </Annotation>
                      <Annotation Term="Org.OData.Capabilities.V1.FilterFunctions">
                        <Record>
                          <PropertyValue Property="NonCountableProperties">
                            <Collection>
                              <String>eq</String>
                            </Collection>
                          </PropertyValue>
                        </Record>
                      </Annotation>
                      <Annotation Term="Org.OData.Capabilities.V1.FilterFunctions">
                        <Record>
                          <PropertyValue Property="Filterable" Bool="true"/>
                          <PropertyValue Property="RequiresFilter" Bool="false"/>
                          <PropertyValue Property="NonFilterableProperties">
                            <Collection>
            \(paths)                </Collection>
                          </PropertyValue>
                        </Record>
                      </Annotation>
                      <Annotation Term="Org.OData.Capabilities.V1.SortRestrictions">
                        <Record><PropertyValue Property="Sortable" Bool="false"/></Record>
                      </Annotation>
                      <Annotation Term="Org.OData.Capabilities.V1.ExpandRestrictions">
                        <Record><PropertyValue Property="Expandable" Bool="false"/></Record>
                      </Annotation>
            """
    }
}
