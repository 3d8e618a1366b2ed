import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Ingest

/// Collect tests a draft through `/v1/test/{draftToken}/…` with no account; the token ends with the draft.
@Suite struct DraftTestingTests {
    static let openRosa: HTTPFields = [OpenRosa.versionHeader: "1.0"]

    /// A project whose site_photo form has a published version 1 and a draft version 2: the project and the draft's token.
    static func draft(_ harness: Harness) async throws -> (project: Int64, token: String) {
        let project = try await harness.sitePhotoProject()
        let xml = try FormLifecycleTests.siteXML(version: "2")
        #expect(
            try await harness.send(.post, "/v1/projects/\(project)/forms/site_photo/draft", body: xml, contentType: "application/xml")
                .status
                == .ok)
        let draft = try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo/draft").json()
        return (project, try #require(draft["draftToken"]?.stringValue))
    }

    @Test func collectListsDownloadsAndSubmitsToTheDraft() async throws {
        try await Harness.run { harness in
            let (project, token) = try await Self.draft(harness)
            let base = "/v1/test/\(token)/projects/\(project)/forms/site_photo"
            let formList = try await harness.send(.get, "\(base)/draft/formList", token: .some(nil), headers: Self.openRosa)
            #expect(formList.status == .ok)
            #expect(formList.text.contains("<version>2</version>"))
            #expect(formList.text.contains("\(base)/draft.xml</downloadUrl>"))
            let xml = try await harness.send(.get, "\(base)/draft.xml", token: .some(nil))
            #expect(xml.data == (try FormLifecycleTests.siteXML(version: "2")))

            var submission = String(decoding: try Harness.sitePhotoXML(), as: UTF8.self)
            submission = submission.replacingOccurrences(of: #"version="1""#, with: #"version="2""#)
            let posted = try await harness.send(
                .post, "\(base)/draft/submission", token: .some(nil), headers: Self.openRosa,
                body: Self.multipart(Data(submission.utf8)), contentType: "multipart/form-data; boundary=draft-boundary")
            #expect(posted.status == .created)

            let tested = try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo/draft/submissions").json()
            #expect(tested.arrayValue?.count == 1)
            let real = try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo/submissions").json()
            #expect(real == [], "a test submission is not one of the form's")
        }
    }

    @Test func publishingOrDeletingTheDraftEndsItsToken() async throws {
        try await Harness.run { harness in
            let (project, token) = try await Self.draft(harness)
            let base = "/v1/test/\(token)/projects/\(project)/forms/site_photo"
            #expect(try await harness.send(.get, "\(base)/draft.xml", token: .some(nil)).status == .ok)
            #expect(try await harness.send(.delete, "/v1/projects/\(project)/forms/site_photo/draft").status == .ok)
            let gone = try await harness.send(.get, "\(base)/draft/formList", token: .some(nil), headers: Self.openRosa)
            #expect(gone.status == .notFound && gone.text.contains("draft testing endpoint"))
            #expect(try await harness.send(.get, "\(base)/draft.xml", token: .some(nil)).problemCode == 404.1)

            let (_, second) = try await Self.draftAgain(harness, project: project)
            #expect(second != token)
            #expect(try await harness.send(.post, "/v1/projects/\(project)/forms/site_photo/draft/publish").status == .ok)
            let published = "/v1/test/\(second)/projects/\(project)/forms/site_photo/draft.xml"
            #expect(try await harness.send(.get, published, token: .some(nil)).problemCode == 404.1)
            #expect(
                try await harness.send(
                    .get, "/v1/test/\(String(repeating: "x", count: 64))/projects/\(project)/forms/site_photo/draft.xml", token: .some(nil)
                ).problemCode == 404.1)
        }
    }

    static func draftAgain(_ harness: Harness, project: Int64) async throws -> (Int64, String) {
        let xml = try FormLifecycleTests.siteXML(version: "3")
        _ = try await harness.send(.post, "/v1/projects/\(project)/forms/site_photo/draft", body: xml, contentType: "application/xml")
        let draft = try await harness.send(.get, "/v1/projects/\(project)/forms/site_photo/draft").json()
        return (project, try #require(draft["draftToken"]?.stringValue))
    }

    static func multipart(_ xml: Data) -> Data {
        var body = Data("--draft-boundary\r\nContent-Disposition: form-data; name=\"xml_submission_file\"; filename=\"s.xml\"\r\n".utf8)
        body.append(Data("Content-Type: text/xml\r\n\r\n".utf8))
        body.append(xml)
        body.append(Data("\r\n--draft-boundary--\r\n".utf8))
        return body
    }
}
