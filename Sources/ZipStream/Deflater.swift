import CZlib

/// One zlib raw-deflate stream (no zlib header or trailer), reused for entry after entry.
final class Deflater {
    struct Step {
        var consumed: Int
        var produced: Int
        /// deflate filled all the room it had, so it may have more output waiting.
        var outputFull: Bool
        /// After `finish`: the deflate stream is complete.
        var ended: Bool
    }

    private let stream: UnsafeMutablePointer<z_stream>

    init(level: Int32) throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = czlib_deflate_init_raw(stream, level)
        guard status == Z_OK else {
            stream.deallocate()
            throw ZipStreamError.zlib(status)
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// Compresses what fits of `input` into `output`; with `finish`, ends the stream once `input` is used up.
    func deflate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, finish: Bool) throws -> Step {
        // zlib counts in 32-bit uInt; longer buffers are taken a gigabyte at a time by the caller's loop.
        let inCount = min(input.count, 1 << 30)
        let outCount = min(output.count, 1 << 30)
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(inCount)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(outCount)
        let status = CZlib.deflate(stream, finish && inCount == input.count ? Z_FINISH : Z_NO_FLUSH)
        let left = (input: Int(stream.pointee.avail_in), output: Int(stream.pointee.avail_out))
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        // Z_BUF_ERROR only says no progress was possible this call, which the caller's loop allows for.
        guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else { throw ZipStreamError.zlib(status) }
        return Step(
            consumed: inCount - left.input, produced: outCount - left.output, outputFull: left.output == 0,
            ended: status == Z_STREAM_END)
    }

    /// Makes the stream ready for the next entry, keeping its memory.
    func reset() throws {
        let status = deflateReset(stream)
        guard status == Z_OK else { throw ZipStreamError.zlib(status) }
    }
}

enum Checksum {
    /// zlib's CRC-32 of `bytes`, continuing from `crc`.
    static func crc32(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = uLong(crc)
        var rest = bytes
        while !rest.isEmpty {
            let count = min(rest.count, 1 << 30)
            crc = CZlib.crc32(crc, rest.baseAddress!.assumingMemoryBound(to: Bytef.self), uInt(count))
            rest = UnsafeRawBufferPointer(rebasing: rest[count...])
        }
        return UInt32(truncatingIfNeeded: crc)
    }
}
