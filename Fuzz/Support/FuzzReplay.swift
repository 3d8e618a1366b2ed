import Foundation

/// Outside a fuzzing build each target replays files instead: every file named on the command line,
/// and every file under each directory named, through the same entry point libFuzzer calls.
/// A crash found by the fuzzer stays pinned this way (`scripts/fuzz.sh` replays `Fuzz/Regressions`).
public enum FuzzReplay {
    public static func main(_ body: (Data) -> Void) {
        var count = 0
        for argument in CommandLine.arguments.dropFirst() {
            for file in files(at: argument) {
                guard let data = FileManager.default.contents(atPath: file) else {
                    FileHandle.standardError.write(Data("cannot read \(file)\n".utf8))
                    exit(2)
                }
                body(data)
                count += 1
            }
        }
        print("replayed \(count) inputs")
    }

    private static func files(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return [path] }
        let names = (try? FileManager.default.subpathsOfDirectory(atPath: path)) ?? []
        return names.sorted().map { "\(path)/\($0)" }.filter { candidate in
            var nested: ObjCBool = false
            return FileManager.default.fileExists(atPath: candidate, isDirectory: &nested) && !nested.boolValue
        }
    }
}
