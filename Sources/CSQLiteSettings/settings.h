#include <sqlite3.h>

/// Process-wide SQLite settings, which take effect only before SQLite's first use (sqlite3_config is
/// variadic, so Swift cannot call it directly). Multi-thread mode drops the mutex SQLite otherwise takes
/// around every call on a connection: GRDB already lets only one thread at a time use each connection.
/// Without memory statistics, no global mutex is taken around each of SQLite's allocations.
/// Returns SQLITE_OK, or SQLite's error when it was used already and the settings could not change.
static inline int ingest_sqlite_configure(void) {
    int mode = sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    if (mode != SQLITE_OK) return mode;
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
