/// How many rows a streamed read (OData feeds, exports) takes from the database per query. Debug builds (the
/// tests) take 3, so that paging across reads is exercised by small data.
enum ReadBatch {
    #if DEBUG
        static let size = 3
    #else
        static let size = 500
    #endif
}
