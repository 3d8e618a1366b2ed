import Entities
import EntityScenarios
import Foundation
import HTTPTypes
import HummingbirdTesting

@testable import Ingest

extension Harness {
    /// A web user with `role` on `project` (or none), logged in: its id and bearer token.
    func user(_ email: String, role: String?, project: Int64) async throws -> (id: Int64, token: String) {
        let password = "password of \(email)"
        let user = try await store.createUser(email: email, passwordHash: Harness.bcrypt(password), displayName: email, isAdmin: false)
        if let role {
            let assigned = try await send(.post, "/v1/projects/\(project)/assignments/\(role)/\(user.id)")
            precondition(assigned.status == .ok, "assigning \(role) failed")
        }
        let login = try await sendJSON(.post, "/v1/sessions", ["email": .string(email), "password": .string(password)], token: .some(nil))
        return (user.id, try login.json()["token"]!.stringValue!)
    }

    /// An app user of `project` given `forms` (as pyodk's `create_app_users` does): its key, for `/v1/key/{key}/…`.
    func appUser(project: Int64, name: String = "Phone", forms: [String] = []) async throws -> String {
        let created = try await sendJSON(.post, "/v1/projects/\(project)/app-users", ["displayName": .string(name)]).json()
        for form in forms {
            let assigned = try await send(.post, "/v1/projects/\(project)/forms/\(form)/assignments/app-user/\(created["id"]!.intValue!)")
            precondition(assigned.status == .ok, "assigning \(form) failed")
        }
        return created["token"]!.stringValue!
    }

    /// A new project with the site_photo form (one binary field, `photo`) published: its id.
    func sitePhotoProject() async throws -> Int64 {
        let project = try await createProject()
        try await publishForm("site_photo", project: project)
        return project
    }

    /// The site_photo submission `site-1` with its `<photo>` naming `photo` and its instanceID ending in `suffix`.
    static func sitePhotoXML(photo: String = "tree.jpg", suffix: String = "1") throws -> Data {
        var text = String(decoding: try SampleFiles.submission("site_photo", "site-1"), as: UTF8.self)
        text = text.replacingOccurrences(of: "<photo>tree.jpg</photo>", with: "<photo>\(photo)</photo>")
        text = text.replacingOccurrences(
            of: "000000000001</instanceID>", with: String(repeating: "0", count: 12 - suffix.count) + suffix + "</instanceID>")
        return Data(text.utf8)
    }

    static func sitePhotoInstance(suffix: String = "1") -> String {
        "uuid:55550000-0000-4000-8000-" + String(repeating: "0", count: 12 - suffix.count) + suffix
    }
}
