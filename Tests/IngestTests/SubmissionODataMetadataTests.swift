import Foundation
import Testing
import XMLParse

@testable import Ingest

@Suite struct SubmissionODataMetadataTests {
    /// Central's `$metadata` for its `withrepeat` test form, byte for byte.
    @Test func metadataIsCentralsDocumentForAFormWithARepeat() {
        let fields = [
            FormField(name: "meta", path: "/meta", type: "structure", binary: false, selectMultiple: false),
            FormField(name: "instanceID", path: "/meta/instanceID", type: "string", binary: false, selectMultiple: false),
            FormField(name: "name", path: "/name", type: "string", binary: false, selectMultiple: false),
            FormField(name: "age", path: "/age", type: "int", binary: false, selectMultiple: false),
            FormField(name: "children", path: "/children", type: "structure", binary: false, selectMultiple: false),
            FormField(name: "child", path: "/children/child", type: "repeat", binary: false, selectMultiple: false),
            FormField(name: "name", path: "/children/child/name", type: "string", binary: false, selectMultiple: false),
            FormField(name: "age", path: "/children/child/age", type: "int", binary: false, selectMultiple: false),
        ]
        let document = SubmissionODataSchema(fields: fields, xmlFormId: "withrepeat").metadataDocument()
        #expect(document == Self.central)
    }

    static let central = #"""
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
            <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="org.opendatakit.user.withrepeat">
              <EntityType Name="Submissions">
                <Key><PropertyRef Name="__id"/></Key>
                <Property Name="__id" Type="Edm.String"/>
                <Property Name="__system" Type="org.opendatakit.submission.metadata"/>
                <Property Name="meta" Type="org.opendatakit.user.withrepeat.meta"/>
                <Property Name="name" Type="Edm.String"/>
                <Property Name="age" Type="Edm.Int64"/>
                <Property Name="children" Type="org.opendatakit.user.withrepeat.children"/>
              </EntityType>
              <EntityType Name="Submissions.children.child">
                <Key><PropertyRef Name="__id"/></Key>
                <Property Name="__id" Type="Edm.String"/>
                <Property Name="__Submissions-id" Type="Edm.String"/>
                <Property Name="name" Type="Edm.String"/>
                <Property Name="age" Type="Edm.Int64"/>
              </EntityType>
              <ComplexType Name="meta">
                <Property Name="instanceID" Type="Edm.String"/>
              </ComplexType>
              <ComplexType Name="children">
                <NavigationProperty Name="child" Type="Collection(org.opendatakit.user.withrepeat.Submissions.children.child)"/>
              </ComplexType>
              <EntityContainer Name="withrepeat">
                <EntitySet Name="Submissions" EntityType="org.opendatakit.user.withrepeat.Submissions">
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
                          <PropertyPath>meta</PropertyPath>
                          <PropertyPath>name</PropertyPath>
                          <PropertyPath>age</PropertyPath>
                          <PropertyPath>children</PropertyPath>
                        </Collection>
                      </PropertyValue>
                    </Record>
                  </Annotation>
                  <Annotation Term="Org.OData.Capabilities.V1.SortRestrictions">
                    <Record><PropertyValue Property="Sortable" Bool="false"/></Record>
                  </Annotation>
                  <Annotation Term="Org.OData.Capabilities.V1.ExpandRestrictions">
                    <Record><PropertyValue Property="Expandable" Bool="false"/></Record>
                  </Annotation>
                </EntitySet>
                <EntitySet Name="Submissions.children.child" EntityType="org.opendatakit.user.withrepeat.Submissions.children.child">
                </EntitySet>
              </EntityContainer>
            </Schema>
          </edmx:DataServices>
        </edmx:Edmx>
        """#
}
