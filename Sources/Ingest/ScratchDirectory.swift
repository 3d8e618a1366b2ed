import Foundation

/// A folder of temporary files. Files are deleted by their owners when done; what a crashed server left
/// behind is removed at the next start (anything over an hour old: no upload or render takes that long,
/// and another server sharing the folder keeps its recent files).
enum ScratchDirectory {
    static func prepare(_ path: String, now: Date = Date()) {
        let files = FileManager.default
        try? files.createDirectory(atPath: path, withIntermediateDirectories: true)
        for name in (try? files.contentsOfDirectory(atPath: path)) ?? [] {
            let file = path + "/" + name
            guard let modified = (try? files.attributesOfItem(atPath: file))?[.modificationDate] as? Date,
                now.timeIntervalSince(modified) > 3600
            else { continue }
            try? files.removeItem(atPath: file)
        }
    }
}
