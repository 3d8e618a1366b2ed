import Foundation
import Testing

@testable import ZipStream

/// Archives are written into memory, then read back by Python's `zipfile` and Info-ZIP's `unzip -t`.
@Suite struct ZipStreamTests {
    @Test(.enabled(if: Tool.python3 != nil, "python3 is not on PATH"), .enabled(if: Tool.unzip != nil, "unzip is not on PATH"))
    func deflatedStoredEmptyLargeAndUTF8EntriesReadBack() async throws {
        let photo = (0..<300_000).map { _ in UInt8.random(in: 0...255) }
        let log = Fixture.compressibleText(bytes: 5 << 20)
        let entries: [Fixture.Entry] = [
            .init(name: "readme.txt", data: Array("Hello, ZIP!\n".utf8), compress: true, declareSize: true),
            .init(name: "media/IMG_0001.jpg", data: photo, compress: false, declareSize: true),
            .init(name: "empty-deflated.txt", data: [], compress: true, declareSize: false),
            .init(name: "empty-stored.bin", data: [], compress: false, declareSize: true),
            .init(name: "media/", data: [], compress: false, declareSize: false),
            .init(name: "logs/big.csv", data: log, compress: true, declareSize: false),
            .init(name: "Ünïcødé/日本語 😀.txt", data: Array("naïve café\n".utf8), compress: true, declareSize: false),
        ]
        let archive = try await Fixture.archive(entries)

        let report = try await Python.read(archive)
        #expect(report.testzip == nil)
        #expect(report.entries.map(\.name) == entries.map(\.name))
        for (read, written) in zip(report.entries, entries) {
            #expect(read.bytes == written.data, "\(written.name)")
            #expect(read.method == (written.compress && !written.name.hasSuffix("/") ? 8 : 0), "\(written.name)")
            #expect(read.flags & 0x0808 == 0x0808, "\(written.name): data descriptor and UTF-8 bits")
        }
        try await Unzip.test(archive)
    }

    @Test(.enabled(if: Tool.python3 != nil, "python3 is not on PATH"))
    func entriesOfKnownSmallSizeArePlainAndOthersAreZip64() async throws {
        let archive = try await Fixture.archive([
            .init(name: "known.txt", data: Array("abc".utf8), compress: true, declareSize: true),
            .init(name: "unknown.txt", data: Array("abc".utf8), compress: true, declareSize: false),
            .init(name: "known.jpg", data: [1, 2, 3], compress: false, declareSize: true),
            .init(name: "dir/", data: [], compress: true, declareSize: false),
        ])
        let versions = try await Python.read(archive).entries.map(\.version)
        #expect(versions == [20, 45, 20, 20])
        // The local headers say the same: a ZIP64 extra field (0x0001, 16 bytes) only in the unknown one.
        let zip64Fields = archive.ranges(of: Data([0x01, 0x00, 0x10, 0x00])).count
        #expect(zip64Fields == 1)
        #expect(archive.range(of: Signature.zip64EndRecord) == nil)
    }

    @Test(.enabled(if: Tool.python3 != nil, "python3 is not on PATH"), .enabled(if: Tool.unzip != nil, "unzip is not on PATH"))
    func moreThan65535EntriesGetZip64EndRecords() async throws {
        let count = 65_600
        let archive = try await Fixture.collect { zip in
            for index in 0..<count {
                let text = Array("\(index)".utf8)
                try await zip.startEntry(
                    name: "media/\(index).txt", modified: Fixture.moment, compress: false, expectedSize: UInt64(text.count))
                try await zip.write(text)
                try await zip.finishEntry()
            }
        }.archive

        // The classic end record says "see ZIP64" in both entry counts; the locator before it points at the ZIP64 record.
        let end = archive.count - 22
        #expect(archive.subdata(in: end..<(end + 4)) == Signature.endRecord)
        #expect(archive.littleEndian(UInt16.self, at: end + 8) == 0xFFFF)
        #expect(archive.littleEndian(UInt16.self, at: end + 10) == 0xFFFF)
        let locator = end - 20
        #expect(archive.subdata(in: locator..<(locator + 4)) == Signature.zip64Locator)
        let record = Int(archive.littleEndian(UInt64.self, at: locator + 8))
        #expect(archive.subdata(in: record..<(record + 4)) == Signature.zip64EndRecord)
        #expect(archive.littleEndian(UInt64.self, at: record + 32) == UInt64(count))

        let sample = [0, 1, 65_534, 65_535, 65_536, count - 1]
        let report = try await Python.read(archive, only: sample)
        #expect(report.testzip == nil)
        #expect(report.count == count)
        #expect(report.entries.map(\.name) == sample.map { "media/\($0).txt" })
        #expect(report.entries.map(\.bytes) == sample.map { Array("\($0)".utf8) })
        try await Unzip.test(archive)
    }

    @Test(.enabled(if: Tool.python3 != nil, "python3 is not on PATH"))
    func outputComesInChunksOfTheChosenSize() async throws {
        let data = Fixture.compressibleText(bytes: 1 << 20)
        let (archive, chunks) = try await Fixture.collect { zip in
            try await zip.startEntry(name: "stored.txt", modified: Fixture.moment, compress: false)
            try await zip.write(data)
        }
        #expect(chunks.dropLast().allSatisfy { $0 == ZipStreamWriter.defaultChunkSize })
        #expect(chunks.count == (archive.count + ZipStreamWriter.defaultChunkSize - 1) / ZipStreamWriter.defaultChunkSize)

        // Chunks far smaller than any record still make the same kind of archive.
        let (tiny, tinyChunks) = try await Fixture.collect(chunkSize: 7) { zip in
            try await zip.startEntry(name: "deflated.txt", modified: Fixture.moment, compress: true)
            try await zip.write(data.prefix(100_000))
            try await zip.finishEntry()
            try await zip.startEntry(name: "stored.txt", modified: Fixture.moment, compress: false)
            try await zip.write(data.prefix(1000))
        }
        #expect(tinyChunks.dropLast().allSatisfy { $0 == 7 })
        let report = try await Python.read(tiny)
        #expect(report.testzip == nil)
        #expect(report.entries.map(\.bytes) == [Array(data.prefix(100_000)), Array(data.prefix(1000))])
    }

    @Test(.enabled(if: Tool.python3 != nil, "python3 is not on PATH"), arguments: [0, 1, 6, 9])
    func everyCompressionLevelReadsBack(level: Int) async throws {
        let data = Fixture.compressibleText(bytes: 200_000)
        let (archive, _) = try await Fixture.collect(compressionLevel: level) { zip in
            try await zip.startEntry(name: "level.txt", modified: Fixture.moment, compress: true)
            try await zip.write(data)
        }
        let report = try await Python.read(archive)
        #expect(report.testzip == nil)
        #expect(report.entries.first?.bytes == data)
        if level > 0 { #expect(archive.count < data.count / 2) }
    }

    @Test(.enabled(if: Tool.python3 != nil, "python3 is not on PATH"))
    func modificationTimesAreUTCInDOSFieldsAndExactInTheExtendedTimestamp() async throws {
        // 2024-02-29 13:45:31 UTC, and one before DOS dates begin.
        let leapDay = Date(timeIntervalSince1970: 1_709_214_331)
        let (archive, _) = try await Fixture.collect { zip in
            try await zip.startEntry(name: "leap.txt", modified: leapDay)
            try await zip.finishEntry()
            try await zip.startEntry(name: "old.txt", modified: Date(timeIntervalSince1970: 0))
        }
        let entries = try await Python.read(archive).entries
        #expect(entries.map(\.dateTime) == [[2024, 2, 29, 13, 45, 30], [1980, 1, 1, 0, 0, 0]])
        // The central directory's 0x5455 field: flags 1, then the seconds since 1970.
        #expect(entries[0].extraBytes == [0x55, 0x54, 5, 0, 1] + withUnsafeBytes(of: UInt32(1_709_214_331).littleEndian, Array.init))
        #expect(entries[1].extraBytes == [0x55, 0x54, 5, 0, 1, 0, 0, 0, 0])
    }

    @Test func unsafeNamesAreRefusedAndTheArchiveGoesOn() async throws {
        let (archive, _) = try await Fixture.collect { zip in
            for name in ["", "/etc/passwd", "\\\\server\\share", "..", "../up.txt", "a/../../b", "a\\..\\b", "nul\u{0}byte"] {
                await #expect(throws: ZipStreamError.invalidName(name)) {
                    try await zip.startEntry(name: name, modified: Fixture.moment)
                }
            }
            try await zip.startEntry(name: "a/..b/c..", modified: Fixture.moment)
            try await zip.write(Array("fine".utf8))
        }
        if Tool.python3 != nil {
            let report = try await Python.read(archive)
            #expect(report.entries.map(\.name) == ["a/..b/c.."])
            #expect(report.entries.first?.bytes == Array("fine".utf8))
        }
    }

    @Test func callsOutOfOrderAreRefused() async throws {
        let zip = ZipStreamWriter { _ in }
        await #expect(throws: ZipStreamError.noEntryInProgress) { try await zip.write([1, 2, 3]) }
        await #expect(throws: ZipStreamError.noEntryInProgress) { try await zip.finishEntry() }
        try await zip.startEntry(name: "one", modified: Fixture.moment)
        await #expect(throws: ZipStreamError.entryInProgress("one")) {
            try await zip.startEntry(name: "two", modified: Fixture.moment)
        }
        try await zip.finishEntry()
        try await zip.startEntry(name: "folder/", modified: Fixture.moment)
        try await zip.write(Data())
        await #expect(throws: ZipStreamError.dataInDirectory("folder/")) { try await zip.write([1]) }
        try await zip.finish()
        await #expect(throws: ZipStreamError.archiveFinished) {
            try await zip.startEntry(name: "late", modified: Fixture.moment)
        }
    }

    @Test func aFailingOutputBreaksTheWriter() async throws {
        struct Disconnected: Error {}
        let zip = ZipStreamWriter(chunkSize: 1024) { _ in throw Disconnected() }
        try await zip.startEntry(name: "a.bin", modified: Fixture.moment, compress: false)
        await #expect(throws: Disconnected.self) { try await zip.write([UInt8](repeating: 0, count: 4096)) }
        await #expect(throws: ZipStreamError.earlierFailure) { try await zip.finishEntry() }
        await #expect(throws: ZipStreamError.earlierFailure) { try await zip.finish() }
    }

    @Test(.enabled(if: Tool.python3 != nil, "python3 is not on PATH"))
    func withArchiveWritesIntoAnInoutSinkAndFinishesAnOpenEntry() async throws {
        struct Sink {
            var bytes = Data()
            var writes = 0
            mutating func write(_ chunk: Data) async throws {
                bytes.append(chunk)
                writes += 1
            }
        }
        func respond(into sink: inout Sink) async throws -> UInt64 {
            try await ZipStreamWriter.withArchive(output: { try await sink.write($0) }) { zip in
                try await zip.startEntry(name: "form.xml", modified: Fixture.moment, compress: true)
                try await zip.write(Array("<data/>".utf8))
                return zip.bytesWritten
            }
        }
        var sink = Sink()
        let writtenBeforeFinish = try await respond(into: &sink)
        #expect(sink.writes == 1)
        #expect(UInt64(sink.bytes.count) > writtenBeforeFinish)
        let report = try await Python.read(sink.bytes)
        #expect(report.testzip == nil)
        #expect(report.entries.first?.bytes == Array("<data/>".utf8))
    }
}

// MARK: - Fixtures

enum Fixture {
    struct Entry {
        var name: String
        var data: [UInt8]
        var compress: Bool
        /// Pass the data's length as `expectedSize`, which keeps the entry plain.
        var declareSize: Bool
    }

    /// 2023-11-14 22:13:20 UTC.
    static let moment = Date(timeIntervalSince1970: 1_700_000_000)

    /// Writes `entries`, each in chunks of uneven sizes (1 byte to just over 64 KiB), alternating `Data` and `[UInt8]`.
    static func archive(_ entries: [Entry]) async throws -> Data {
        try await collect { zip in
            for entry in entries {
                try await zip.startEntry(
                    name: entry.name, modified: moment, compress: entry.compress,
                    expectedSize: entry.declareSize ? UInt64(entry.data.count) : nil)
                let sizes = [1, 7, 100, 4096, 65_537, 513]
                var offset = 0
                var turn = 0
                while offset < entry.data.count {
                    let end = min(offset + sizes[turn % sizes.count], entry.data.count)
                    if turn.isMultiple(of: 2) {
                        try await zip.write(Data(entry.data[offset..<end]))
                    } else {
                        try await zip.write(entry.data[offset..<end])
                    }
                    offset = end
                    turn += 1
                }
                try await zip.finishEntry()
            }
        }.archive
    }

    /// The whole archive `body` writes (it is finished after `body`), and the sizes of the chunks it came in.
    static func collect(
        compressionLevel: Int = 6, chunkSize: Int = ZipStreamWriter.defaultChunkSize,
        _ body: (ZipStreamWriter) async throws -> Void
    ) async throws -> (archive: Data, chunks: [Int]) {
        var archive = Data()
        var chunks: [Int] = []
        let zip = ZipStreamWriter(compressionLevel: compressionLevel, chunkSize: chunkSize) { chunk in
            archive.append(chunk)
            chunks.append(chunk.count)
        }
        try await body(zip)
        try await zip.finish()
        return (archive, chunks)
    }

    /// CSV-like lines that deflate well but not trivially.
    static func compressibleText(bytes: Int) -> [UInt8] {
        var text: [UInt8] = []
        text.reserveCapacity(bytes + 64)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var row = 0
        while text.count < bytes {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            text += Array("\(row),submission-\(state >> 54),\(state >> 60 == 0 ? "yes" : "no")\n".utf8)
            row += 1
        }
        return Array(text.prefix(bytes))
    }
}

enum Signature {
    static let endRecord = Data([0x50, 0x4b, 0x05, 0x06])
    static let zip64Locator = Data([0x50, 0x4b, 0x06, 0x07])
    static let zip64EndRecord = Data([0x50, 0x4b, 0x06, 0x06])
}

extension Data {
    func littleEndian<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        self[(startIndex + offset)..<(startIndex + offset + MemoryLayout<T>.size)].reversed().reduce(0) { $0 << 8 | T($1) }
    }
}

// MARK: - Readers

enum Tool {
    static let python3 = find("python3")
    static let unzip = find("unzip")

    static func find(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Runs `executable` to its end, without holding a thread while it runs: its exit status and what it
    /// printed (standard output and error together, through a file so that no pipe can fill up).
    static func run(_ executable: URL, _ arguments: [String], in directory: URL) async throws -> (status: Int32, output: String) {
        let outputFile = directory.appendingPathComponent("output-\(UUID().uuidString).txt")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: outputFile)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        let status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        return (status, String(decoding: try Data(contentsOf: outputFile), as: UTF8.self))
    }

    /// A fresh temporary folder, removed after `body`.
    static func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ZipStreamTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await body(directory)
    }
}

enum Python {
    struct Report: Decodable {
        struct Entry: Decodable {
            var name: String
            var method: Int
            var version: Int
            var flags: Int
            var dateTime: [Int]
            var extra: String
            var data: String
            var bytes: [UInt8] { Array(Data(base64Encoded: data) ?? Data()) }
            var extraBytes: [UInt8] { Array(Data(base64Encoded: extra) ?? Data()) }
        }
        /// What `ZipFile.testzip()` returned: the first entry with a bad CRC or header, or nil.
        var testzip: String?
        /// How many entries the archive has.
        var count: Int
        /// All of them, or those asked for.
        var entries: [Entry]
    }

    static let script = """
        import base64, json, sys, zipfile
        with zipfile.ZipFile(sys.argv[1]) as archive:
            infos = archive.infolist()
            only = json.loads(sys.argv[3])
            report = {
                "testzip": archive.testzip(),
                "count": len(infos),
                "entries": [
                    {
                        "name": info.filename, "method": info.compress_type, "version": info.extract_version,
                        "flags": info.flag_bits, "dateTime": list(info.date_time),
                        "extra": base64.b64encode(info.extra).decode(),
                        "data": base64.b64encode(archive.read(info)).decode(),
                    }
                    for info in (infos if only is None else [infos[index] for index in only])
                ],
            }
        with open(sys.argv[2], "w") as out:
            json.dump(report, out)
        """

    /// What Python's `zipfile` reads of `archive`: `testzip()`, the entry count, and every entry
    /// (or those at the indexes in `only`) with its bytes.
    static func read(_ archive: Data, only: [Int]? = nil) async throws -> Report {
        let python3 = try #require(Tool.python3)
        return try await Tool.withTemporaryDirectory { directory in
            let archiveFile = directory.appendingPathComponent("archive.zip")
            let reportFile = directory.appendingPathComponent("report.json")
            try archive.write(to: archiveFile)
            let selection = only.map { "\($0)" } ?? "null"
            let run = try await Tool.run(python3, ["-c", script, archiveFile.path, reportFile.path, selection], in: directory)
            try #require(run.status == 0, "python3 zipfile: \(run.output)")
            return try JSONDecoder().decode(Report.self, from: Data(contentsOf: reportFile))
        }
    }
}

enum Unzip {
    /// `unzip -tq`, which tests every entry's CRC against the central directory, passes.
    static func test(_ archive: Data) async throws {
        let unzip = try #require(Tool.unzip)
        try await Tool.withTemporaryDirectory { directory in
            let archiveFile = directory.appendingPathComponent("archive.zip")
            try archive.write(to: archiveFile)
            let run = try await Tool.run(unzip, ["-tq", archiveFile.path], in: directory)
            #expect(run.status == 0, "unzip -tq: \(run.output)")
            #expect(run.output.contains("No errors detected"), "unzip -tq: \(run.output)")
        }
    }
}
