import Foundation

/// Writes a ZIP archive as a forward-only stream of bytes: it never seeks back, so a server can send the
/// archive while it is being made, and its memory stays flat whatever the entries' sizes.
///
/// ```swift
/// let zip = ZipStreamWriter { chunk in try await send(chunk) }
/// try await zip.startEntry(name: "media/photo.jpg", modified: taken, compress: false, expectedSize: size)
/// for try await piece in photoBytes { try await zip.write(piece) }
/// try await zip.finishEntry()
/// try await zip.finish()
/// ```
///
/// When the sink is an `inout` writer (Hummingbird's `ResponseBody { writer in … }`), which an escaping
/// closure cannot capture, use ``withArchive(isolation:compressionLevel:chunkSize:output:_:)``.
///
/// **Layout.** Each entry is a local header, its data (raw deflate, method 8, or stored, method 0), and a data
/// descriptor with its CRC-32 and sizes (general-purpose flag bit 3). Names are UTF-8 (bit 11). Times are
/// MS-DOS date and time read in UTC, plus an extended timestamp field (0x5455) with the exact second when
/// it fits 32 signed bits. The central directory and the end records follow the last entry.
///
/// **ZIP64**, decided per entry before its data, since a stream cannot go back and widen a header:
/// - An entry whose `expectedSize` is given and small enough that neither it nor the worst deflate can
///   make of it reaches 0xFFFFFFFF bytes is plain: version 2.0, 4-byte sizes in its data descriptor.
///   If it grows that large after all, ``write(_:)`` throws ``ZipStreamError/entryTooLarge(_:)``.
/// - Any other entry, including every entry of unknown size, is ZIP64: version 4.5, a ZIP64 extra
///   field with zero sizes in its local header, and 8-byte sizes in its data descriptor.
/// - Directory entries (names ending in `/`) are always plain.
/// - Whatever the local header said, a central directory header carries a ZIP64 extra field just when
///   its sizes or its local header's offset reach 0xFFFFFFFF (so entries past 4 GiB into the archive get one).
/// - The ZIP64 end of central directory record and locator are written when there are 65,535 entries
///   or more, or the central directory's size or offset reaches 0xFFFFFFFF.
///
/// Readers that take the central directory (Info-ZIP `unzip`, Python's `zipfile`, Java's `ZipFile`, libarchive)
/// read every entry. Readers that stream the local headers cannot find the end of a stored entry in Java
/// (`ZipInputStream` refuses them; libarchive manages), and Java's `ZipInputStream` before JDK 21 expects
/// 4-byte descriptor sizes for any entry under 4 GiB, so it reads only entries that are plain: pass
/// `expectedSize` where it is known.
///
/// **Memory.** One chunk buffer, zlib's deflate state (about 270 KiB, kept from entry to entry), and the
/// central directory, built as each entry finishes: 55 bytes plus the name per entry (up to 28 more for
/// ZIP64 fields). Entry data is never held beyond the current chunk. Duplicate names are not detected.
///
/// **Concurrency.** Not `Sendable`: use one writer from one task. Its methods are `nonisolated(nonsending)`,
/// so they run on the caller's actor, if any, and call `output` there. Calls must not overlap.
public final class ZipStreamWriter {
    /// Receives the archive's bytes in order, in chunks of `chunkSize` bytes (the last may be shorter).
    /// A chunk is its own copy; the writer waits for `output` to return before it goes on.
    public typealias Output = (Data) async throws -> Void

    /// 64 KiB.
    public static let defaultChunkSize = 1 << 16

    /// 1 MiB; a block is reserved with room for one more header (at most 46 + 65,535 + 37 bytes) past it.
    private static let centralBlockSize = 1 << 20

    private var output: Output?
    private let chunk: UnsafeMutableRawBufferPointer
    private var buffered = 0
    private let compressionLevel: Int32
    private var deflater: Deflater?
    /// The central directory so far, in blocks of about 1 MiB, so that it never needs a doubled copy to grow.
    private var centralDirectory: [[UInt8]] = []
    private var centralBlock: [UInt8] = []
    private var entryCount: UInt64 = 0
    private var current: EntryHeader?
    private var dataOffset: UInt64 = 0
    private var crc: UInt32 = 0
    private var uncompressedSize: UInt64 = 0
    private var phase = Phase.writing

    private enum Phase { case writing, finished, failed }

    /// The archive's length so far, counting the bytes not yet handed to `output`.
    public private(set) var bytesWritten: UInt64 = 0

    /// A writer that hands the archive to `output` as it is made.
    /// - Parameters:
    ///   - compressionLevel: zlib's level for deflated entries, 0 (none) to 9 (smallest); 6 by default.
    ///   - chunkSize: the size of the chunks given to `output`; 64 KiB by default.
    ///   - output: called with each chunk in order; when it throws, the writer fails and rethrows.
    public init(compressionLevel: Int = 6, chunkSize: Int = ZipStreamWriter.defaultChunkSize, output: @escaping Output) {
        precondition((0...9).contains(compressionLevel), "zlib's compression levels are 0 to 9")
        precondition(chunkSize > 0, "chunks must hold at least one byte")
        self.compressionLevel = Int32(compressionLevel)
        self.output = output
        chunk = .allocate(byteCount: chunkSize, alignment: 16)
    }

    deinit {
        chunk.deallocate()
    }

    /// Writes one whole archive to an `output` that need not escape, such as a closure capturing an
    /// `inout` response writer: `body` adds the entries, then the archive is finished (an entry left
    /// open is finished first). If `body` throws, the archive is left unfinished and the error rethrown.
    /// The writer must not be used after `body` returns: it no longer has an output.
    ///
    /// ```swift
    /// ResponseBody { writer in
    ///     try await ZipStreamWriter.withArchive(output: { try await writer.write(ByteBuffer(data: $0)) }) { zip in
    ///         try await zip.startEntry(name: "form.xml", modified: .now, compress: true)
    ///         try await zip.write(xml)
    ///     }
    ///     try await writer.finish(nil)
    /// }
    /// ```
    public static func withArchive<Result>(
        isolation: isolated (any Actor)? = #isolation,
        compressionLevel: Int = 6, chunkSize: Int = ZipStreamWriter.defaultChunkSize,
        output: Output, _ body: nonisolated(nonsending) (ZipStreamWriter) async throws -> Result
    ) async throws -> Result {
        try await withoutActuallyEscaping(output) { output in
            _ = isolation  // runs the closure on the caller's actor, as `body` and `output` expect
            let writer = ZipStreamWriter(compressionLevel: compressionLevel, chunkSize: chunkSize, output: output)
            defer { writer.output = nil }
            let result = try await body(writer)
            try await writer.finish()
            return result
        }
    }

    /// Starts an entry: writes its local header. Its data follows with ``write(_:)``, and
    /// ``finishEntry()`` ends it.
    /// - Parameters:
    ///   - name: the path in the archive, `/`-separated; a trailing `/` makes a directory entry, which
    ///     holds no data. Empty names, names starting with `/` or `\`, names with a `..` segment and
    ///     names with a NUL throw ``ZipStreamError/invalidName(_:)`` and leave the archive as it was.
    ///   - modified: the modification time (kept to two seconds in the DOS fields, to one in the 0x5455 field).
    ///   - compress: deflate the data (method 8), or store it as it is (method 0), which suits data that
    ///     is compressed already, such as JPEG or MP4.
    ///   - expectedSize: the data's length in bytes, when known. A size under 4 GiB keeps the entry's
    ///     headers plain; leaving it out makes the entry ZIP64 (see the type's notes).
    public nonisolated(nonsending) func startEntry(
        name: String, modified: Date, compress: Bool = true, expectedSize: UInt64? = nil
    ) async throws {
        try checkWritable()
        if let open = current { throw ZipStreamError.entryInProgress(open.name) }
        let nameBytes = try EntryName.validated(name)
        let isDirectory = name.hasSuffix("/")
        let deflated = compress && !isDirectory
        if deflated && deflater == nil { deflater = try Deflater(level: compressionLevel) }
        let time = DOSTimestamp(modified)
        let entry = EntryHeader(
            name: name, nameBytes: nameBytes, offset: bytesWritten, method: deflated ? 8 : 0,
            zip64: !isDirectory && ZipRecords.needsZip64(expectedSize: expectedSize, deflated: deflated),
            isDirectory: isDirectory, dosTime: time.time, dosDate: time.date, unixTime: time.unixTime)
        current = entry
        crc = 0
        uncompressedSize = 0
        try await failing {
            try await copyOut(ZipRecords.localHeader(entry))
            dataOffset = bytesWritten
        }
    }

    /// Adds bytes to the open entry's data; call it any number of times. Accepts `Data`, `[UInt8]`,
    /// `ArraySlice<UInt8>`, `UnsafeRawBufferPointer` and any other `ContiguousBytes`.
    public nonisolated(nonsending) func write(_ bytes: some ContiguousBytes) async throws {
        try checkWritable()
        guard let entry = current else { throw ZipStreamError.noEntryInProgress }
        if entry.isDirectory {
            if bytes.withUnsafeBytes({ $0.isEmpty }) { return }
            throw ZipStreamError.dataInDirectory(entry.name)
        }
        try await failing {
            if entry.method == 8 {
                try await deflate(bytes, finish: false)
            } else {
                try await copyOut(bytes, isData: true)
            }
            try checkPlainSizes(entry, compressed: bytesWritten - dataOffset)
        }
    }

    /// Ends the open entry: finishes its deflate stream and writes its data descriptor.
    public nonisolated(nonsending) func finishEntry() async throws {
        try checkWritable()
        guard let entry = current else { throw ZipStreamError.noEntryInProgress }
        try await failing {
            if entry.method == 8 {
                try await deflate([UInt8](), finish: true)
                try deflater!.reset()
            }
            let compressed = bytesWritten - dataOffset
            try checkPlainSizes(entry, compressed: compressed)
            try await copyOut(
                ZipRecords.dataDescriptor(crc: crc, compressed: compressed, uncompressed: uncompressedSize, zip64: entry.zip64))
            if centralBlock.count >= Self.centralBlockSize {
                centralDirectory.append(centralBlock)
                centralBlock = []
            }
            if centralBlock.isEmpty { centralBlock.reserveCapacity(Self.centralBlockSize + 70_000) }
            ZipRecords.appendCentralHeader(
                to: &centralBlock, entry, crc: crc, compressed: compressed, uncompressed: uncompressedSize)
            entryCount += 1
            current = nil
        }
    }

    /// Hands the bytes buffered so far to `output` now, in a chunk that may be short. Rarely needed:
    /// chunks go out as they fill, and ``finish()`` sends the rest.
    public nonisolated(nonsending) func flush() async throws {
        try checkWritable()
        try await failing { try await flushChunk() }
    }

    /// Ends the archive: finishes an entry still open, writes the central directory and the end records,
    /// and hands on the last chunk. The writer takes no more calls after this.
    public nonisolated(nonsending) func finish() async throws {
        try checkWritable()
        if current != nil { try await finishEntry() }
        try await failing {
            let directoryOffset = bytesWritten
            centralDirectory.append(centralBlock)
            centralBlock = []
            for block in centralDirectory { try await copyOut(block) }
            centralDirectory = []
            let directorySize = bytesWritten - directoryOffset
            try await copyOut(
                ZipRecords.endRecords(
                    entries: entryCount, directoryOffset: directoryOffset, directorySize: directorySize, at: bytesWritten))
            try await flushChunk()
            phase = .finished
            output = nil
        }
    }

    // MARK: - Bytes out

    private func checkWritable() throws {
        switch phase {
        case .writing: return
        case .finished: throw ZipStreamError.archiveFinished
        case .failed: throw ZipStreamError.earlierFailure
        }
    }

    /// Runs `body`; if it throws, the stream is broken part way and the writer refuses further calls.
    private nonisolated(nonsending) func failing(_ body: nonisolated(nonsending) () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            phase = .failed
            output = nil
            throw error
        }
    }

    private func checkPlainSizes(_ entry: EntryHeader, compressed: UInt64) throws {
        if !entry.zip64 && (uncompressedSize >= ZipRecords.max32 || compressed >= ZipRecords.max32) {
            throw ZipStreamError.entryTooLarge(entry.name)
        }
    }

    /// Copies `bytes` into the chunk, sending each chunk as it fills; entry data (`isData`) also counts
    /// towards the CRC and the uncompressed size.
    private nonisolated(nonsending) func copyOut(_ bytes: some ContiguousBytes, isData: Bool = false) async throws {
        let total = bytes.withUnsafeBytes { $0.count }
        var done = 0
        while done < total {
            let count = min(total - done, chunk.count - buffered)
            bytes.withUnsafeBytes { source in
                let piece = UnsafeRawBufferPointer(rebasing: source[done..<(done + count)])
                UnsafeMutableRawBufferPointer(rebasing: chunk[buffered..<(buffered + count)]).copyMemory(from: piece)
                if isData { crc = Checksum.crc32(crc, piece) }
            }
            done += count
            buffered += count
            bytesWritten += UInt64(count)
            if isData { uncompressedSize += UInt64(count) }
            if buffered == chunk.count { try await flushChunk() }
        }
    }

    /// Deflates `bytes` straight into the chunk; with `finish`, ends the deflate stream.
    private nonisolated(nonsending) func deflate(_ bytes: some ContiguousBytes, finish: Bool) async throws {
        guard let deflater else { preconditionFailure("a deflated entry has a deflater") }
        let total = bytes.withUnsafeBytes { $0.count }
        var done = 0
        while true {
            let step = try bytes.withUnsafeBytes { source in
                let input = UnsafeRawBufferPointer(rebasing: source[done...])
                let step = try deflater.deflate(
                    input, into: UnsafeMutableRawBufferPointer(rebasing: chunk[buffered...]), finish: finish)
                crc = Checksum.crc32(crc, UnsafeRawBufferPointer(rebasing: input[..<step.consumed]))
                return step
            }
            done += step.consumed
            uncompressedSize += UInt64(step.consumed)
            buffered += step.produced
            bytesWritten += UInt64(step.produced)
            if buffered == chunk.count { try await flushChunk() }
            if finish ? step.ended : done == total && !step.outputFull { return }
        }
    }

    private nonisolated(nonsending) func flushChunk() async throws {
        guard buffered > 0 else { return }
        let data = Data(bytes: chunk.baseAddress!, count: buffered)
        buffered = 0
        guard let output else { preconditionFailure("a writing ZipStreamWriter has its output") }
        try await output(data)
    }
}

/// One writer belongs to one task: its calls must not overlap.
@available(*, unavailable)
extension ZipStreamWriter: Sendable {}
