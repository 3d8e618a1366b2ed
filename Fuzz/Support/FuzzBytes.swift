/// Reads a fuzzer's input as a stream of small decisions; past the end every read is zero, so any
/// input, even an empty one, is a complete program.
public struct FuzzBytes {
    private let bytes: [UInt8]
    private var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { offset >= bytes.count }

    public mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// A number in `0..<count`.
    public mutating func pick(_ count: Int) -> Int { count <= 1 ? 0 : Int(byte()) % count }

    public mutating func bool() -> Bool { byte() & 1 == 1 }

    /// One of `choices`.
    public mutating func one<T>(of choices: [T]) -> T { choices[pick(choices.count)] }
}
