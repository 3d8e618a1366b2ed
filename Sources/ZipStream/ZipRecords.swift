import Foundation

/// What the writer knows of an entry from its start: all its headers need besides CRC and sizes.
struct EntryHeader {
    var name: String
    var nameBytes: [UInt8]
    /// Where the local header starts in the archive.
    var offset: UInt64
    /// 8 (deflate) or 0 (stored).
    var method: UInt16
    /// The local header has a ZIP64 extra field, so the data descriptor has 8-byte sizes.
    var zip64: Bool
    var isDirectory: Bool
    var dosTime: UInt16
    var dosDate: UInt16
    /// Seconds since 1970 for the extended timestamp field (0x5455), when they fit its signed 32 bits.
    var unixTime: UInt32?
}

/// The byte layout of the ZIP records, as APPNOTE.TXT 6.3 describes them. Every number is little-endian.
enum ZipRecords {
    static let max32: UInt64 = 0xFFFF_FFFF
    static let max16: UInt64 = 0xFFFF

    /// Bit 3: CRC and sizes follow the data in a data descriptor. Bit 11: the name is UTF-8.
    static let flags: UInt16 = 1 << 3 | 1 << 11
    /// 2.0 (deflate, directories) and 4.5 (ZIP64).
    static let plainVersion: UInt16 = 20
    static let zip64Version: UInt16 = 45
    /// Made on Unix (3), to APPNOTE 4.5: readers then take the permission bits from the external attributes.
    static let versionMadeBy: UInt16 = 3 << 8 | 45
    static let fileAttributes: UInt32 = 0o100644 << 16
    static let directoryAttributes: UInt32 = 0o040755 << 16 | 0x10

    /// Whether an entry must be written with ZIP64 headers, decided before any of its data is known.
    ///
    /// An unknown size takes ZIP64; a known one takes it when the entry, or the worst that deflate
    /// can make of it (zlib's `deflateBound`, rounded up), could reach 0xFFFFFFFF bytes.
    static func needsZip64(expectedSize: UInt64?, deflated: Bool) -> Bool {
        guard let size = expectedSize else { return true }
        guard size < max32 else { return true }
        let worst = deflated ? size + size >> 12 + size >> 14 + size >> 25 + 16 : size
        return worst >= max32
    }

    static func localHeader(_ entry: EntryHeader) -> [UInt8] {
        var bytes: [UInt8] = []
        let extraLength = (entry.zip64 ? 20 : 0) + (entry.unixTime == nil ? 0 : 9)
        bytes.reserveCapacity(30 + entry.nameBytes.count + extraLength)
        bytes.le32(0x0403_4b50)
        bytes.le16(entry.zip64 ? zip64Version : plainVersion)
        bytes.le16(flags)
        bytes.le16(entry.method)
        bytes.le16(entry.dosTime)
        bytes.le16(entry.dosDate)
        bytes.le32(0)  // CRC-32, in the data descriptor
        bytes.le32(entry.zip64 ? UInt32(max32) : 0)  // compressed size, likewise
        bytes.le32(entry.zip64 ? UInt32(max32) : 0)  // uncompressed size
        bytes.le16(UInt16(entry.nameBytes.count))
        bytes.le16(UInt16(extraLength))
        bytes.append(contentsOf: entry.nameBytes)
        if entry.zip64 {
            // A local ZIP64 field holds both sizes; zero here, as they come in the data descriptor.
            bytes.le16(0x0001)
            bytes.le16(16)
            bytes.le64(0)
            bytes.le64(0)
        }
        if let time = entry.unixTime { bytes.extendedTimestamp(time) }
        return bytes
    }

    static func dataDescriptor(crc: UInt32, compressed: UInt64, uncompressed: UInt64, zip64: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        bytes.le32(0x0807_4b50)
        bytes.le32(crc)
        if zip64 {
            bytes.le64(compressed)
            bytes.le64(uncompressed)
        } else {
            bytes.le32(UInt32(compressed))
            bytes.le32(UInt32(uncompressed))
        }
        return bytes
    }

    /// Appends the entry's central directory header. Its ZIP64 extra field holds just what overflows
    /// 32 bits: both sizes when either does, and the local header's offset when it does.
    static func appendCentralHeader(
        to directory: inout [UInt8], _ entry: EntryHeader, crc: UInt32, compressed: UInt64, uncompressed: UInt64
    ) {
        let largeSizes = compressed >= max32 || uncompressed >= max32
        let largeOffset = entry.offset >= max32
        let zip64Length = (largeSizes ? 16 : 0) + (largeOffset ? 8 : 0)
        let extraLength = (zip64Length == 0 ? 0 : 4 + zip64Length) + (entry.unixTime == nil ? 0 : 9)
        directory.le32(0x0201_4b50)
        directory.le16(versionMadeBy)
        directory.le16(entry.zip64 || zip64Length > 0 ? zip64Version : plainVersion)
        directory.le16(flags)
        directory.le16(entry.method)
        directory.le16(entry.dosTime)
        directory.le16(entry.dosDate)
        directory.le32(crc)
        directory.le32(largeSizes ? UInt32(max32) : UInt32(compressed))
        directory.le32(largeSizes ? UInt32(max32) : UInt32(uncompressed))
        directory.le16(UInt16(entry.nameBytes.count))
        directory.le16(UInt16(extraLength))
        directory.le16(0)  // comment length
        directory.le16(0)  // disk number
        directory.le16(0)  // internal attributes
        directory.le32(entry.isDirectory ? directoryAttributes : fileAttributes)
        directory.le32(largeOffset ? UInt32(max32) : UInt32(entry.offset))
        directory.append(contentsOf: entry.nameBytes)
        if zip64Length > 0 {
            directory.le16(0x0001)
            directory.le16(UInt16(zip64Length))
            if largeSizes {
                directory.le64(uncompressed)
                directory.le64(compressed)
            }
            if largeOffset { directory.le64(entry.offset) }
        }
        if let time = entry.unixTime { directory.extendedTimestamp(time) }
    }

    /// The end records. The ZIP64 end record and its locator come first when the entry count reaches
    /// 0xFFFF or the directory's size or offset reaches 0xFFFFFFFF; the classic record then holds
    /// 0xFFFF or 0xFFFFFFFF in each field that overflowed.
    static func endRecords(entries: UInt64, directoryOffset: UInt64, directorySize: UInt64, at offset: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        if entries >= max16 || directoryOffset >= max32 || directorySize >= max32 {
            bytes.le32(0x0606_4b50)
            bytes.le64(44)  // the size of the rest of this record
            bytes.le16(versionMadeBy)
            bytes.le16(zip64Version)
            bytes.le32(0)  // this disk
            bytes.le32(0)  // the disk where the directory starts
            bytes.le64(entries)  // on this disk
            bytes.le64(entries)  // in all
            bytes.le64(directorySize)
            bytes.le64(directoryOffset)

            bytes.le32(0x0706_4b50)
            bytes.le32(0)  // the disk with the ZIP64 end record
            bytes.le64(offset)  // where the ZIP64 end record starts
            bytes.le32(1)  // disks in all
        }
        bytes.le32(0x0605_4b50)
        bytes.le16(0)
        bytes.le16(0)
        bytes.le16(UInt16(min(entries, max16)))
        bytes.le16(UInt16(min(entries, max16)))
        bytes.le32(UInt32(min(directorySize, max32)))
        bytes.le32(UInt32(min(directoryOffset, max32)))
        bytes.le16(0)  // comment length
        return bytes
    }
}

extension [UInt8] {
    fileprivate mutating func le16(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value))
        append(UInt8(truncatingIfNeeded: value >> 8))
    }

    fileprivate mutating func le32(_ value: UInt32) {
        le16(UInt16(truncatingIfNeeded: value))
        le16(UInt16(truncatingIfNeeded: value >> 16))
    }

    fileprivate mutating func le64(_ value: UInt64) {
        le32(UInt32(truncatingIfNeeded: value))
        le32(UInt32(truncatingIfNeeded: value >> 32))
    }

    /// Info-ZIP's extended timestamp (0x5455) with the modification time only.
    fileprivate mutating func extendedTimestamp(_ time: UInt32) {
        le16(0x5455)
        le16(5)
        append(1)  // flags: modification time present
        le32(time)
    }
}

/// The MS-DOS date and time of a moment, read in UTC, at two-second resolution.
struct DOSTimestamp {
    var time: UInt16
    var date: UInt16
    var unixTime: UInt32?

    /// 1980-01-01 00:00:00 and 2107-12-31 23:59:58 UTC, the range DOS dates can hold; moments outside are clamped.
    static let earliest: Int64 = 315_532_800
    static let latest: Int64 = 4_354_819_198

    init(_ moment: Date) {
        let interval = moment.timeIntervalSince1970
        let seconds = interval.isFinite ? Int64(Swift.max(Swift.min(interval, 1e15), -1e15).rounded(.down)) : 0
        unixTime = (0...Int64(Int32.max)).contains(seconds) ? UInt32(seconds) : nil
        let clamped = Swift.min(Swift.max(seconds, Self.earliest), Self.latest)
        let days = clamped / 86_400
        let second = clamped % 86_400
        // Howard Hinnant's civil_from_days, for days after 1970 (so the era arithmetic never goes negative).
        let z = days + 719_468
        let era = z / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        time = UInt16((second / 3600) << 11 | (second % 3600 / 60) << 5 | (second % 60) / 2)
        date = UInt16((year - 1980) << 9 | month << 5 | day)
    }
}

enum EntryName {
    /// The name's UTF-8 bytes, or `ZipStreamError.invalidName` for a name that could land outside
    /// the folder it is extracted into, or that ZIP cannot hold.
    static func validated(_ name: String) throws -> [UInt8] {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, !isSeparator(first), bytes.count <= 0xFFFF else { throw ZipStreamError.invalidName(name) }
        var segmentStart = 0
        for index in 0...bytes.count {
            if index < bytes.count && bytes[index] == 0 { throw ZipStreamError.invalidName(name) }
            guard index == bytes.count || isSeparator(bytes[index]) else { continue }
            let segment = bytes[segmentStart..<index]
            if segment.elementsEqual("..".utf8) { throw ZipStreamError.invalidName(name) }
            segmentStart = index + 1
        }
        return bytes
    }

    /// `/`, and `\`, which Windows tools read as a separator too.
    private static func isSeparator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "/") || byte == UInt8(ascii: "\\")
    }
}
