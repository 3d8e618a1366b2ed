// A power cut for one process's files, as an LD_PRELOAD library.
//
// Every write, truncation or allocation that the process makes to a file under POWERCUT_DIR is
// recorded, before it happens, in the journal POWERCUT_JOURNAL together with the bytes and the size it
// replaces; every fsync or fdatasync of such a file records, once it has returned, how much of the
// journal it covered. After the process is killed, `powercut.py cut` undoes, file by file and newest
// first, every change that no later sync covered: the files are then what a disk keeps when the power
// goes, and what the page cache held is gone (a kill -9 alone keeps it).
//
// Assumptions, all true of SQLite on Linux: data reaches the files through write, pwrite, pwritev,
// ftruncate and fallocate (not through a writable mmap; SQLite maps only its -shm file, which it
// rebuilds after a crash); a file's sync covers what every descriptor of that file wrote before the
// sync began; creating, renaming and deleting files is durable at once (SQLite syncs the directory
// after creating a journal, so this spares it nothing it relies on).
//
// Journal records, little-endian, each after the last:
//   'W' path offset:u64 sizeBefore:u64 oldLength:u64 oldBytes newLength:u64 fd:u32 tid:u32
//                                                               (a write of newLength bytes at offset)
//   'T' path newSize:u64 sizeBefore:u64 oldLength:u64 oldBytes  (a truncation; oldBytes is the cut tail)
//   'S' path coveredRecords:u64 fd:u32 tid:u32                 (a sync that returned)
//   'U' path                                                    (the path was removed or renamed away)
// where path is u16 length + bytes.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static pthread_mutex_t journal_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t setup_once = PTHREAD_ONCE_INIT;
static int journal_fd = -1;
static char watched[PATH_MAX];
static size_t watched_length = 0;
static uint64_t records = 0;

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off_t);
static int (*real_fallocate)(int, int, off_t, off_t);
static int (*real_posix_fallocate)(int, off_t, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_unlink)(const char *);
static int (*real_unlinkat)(int, const char *, int);
static int (*real_rename)(const char *, const char *);

static void die(const char *what) {
    char message[256];
    int n = snprintf(message, sizeof message, "powercut: %s: %s\n", what, strerror(errno));
    syscall(SYS_write, 2, message, (size_t)n);
    abort();
}

static void setup(void) {
    real_write = dlsym(RTLD_NEXT, "write");
    real_pwrite = dlsym(RTLD_NEXT, "pwrite");
    real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
    real_pwritev = dlsym(RTLD_NEXT, "pwritev");
    real_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
    real_ftruncate64 = dlsym(RTLD_NEXT, "ftruncate64");
    real_fallocate = dlsym(RTLD_NEXT, "fallocate");
    real_posix_fallocate = dlsym(RTLD_NEXT, "posix_fallocate");
    real_fsync = dlsym(RTLD_NEXT, "fsync");
    real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
    real_unlink = dlsym(RTLD_NEXT, "unlink");
    real_unlinkat = dlsym(RTLD_NEXT, "unlinkat");
    real_rename = dlsym(RTLD_NEXT, "rename");
    const char *dir = getenv("POWERCUT_DIR");
    const char *journal = getenv("POWERCUT_JOURNAL");
    if (dir == NULL || journal == NULL) return;  // Loaded without a target: record nothing.
    if (realpath(dir, watched) == NULL) die("POWERCUT_DIR");
    watched_length = strlen(watched);
    journal_fd = (int)syscall(SYS_openat, AT_FDCWD, journal, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (journal_fd < 0) die("POWERCUT_JOURNAL");
}

static void ensure_setup(void) { pthread_once(&setup_once, setup); }

// The file's path when it lies under the watched folder, else 0.
static size_t watched_path(int fd, char *path) {
    if (journal_fd < 0 || fd == journal_fd) return 0;
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, PATH_MAX - 1);
    if (n <= 0) return 0;
    path[n] = 0;
    if ((size_t)n <= watched_length || strncmp(path, watched, watched_length) != 0 || path[watched_length] != '/')
        return 0;
    return (size_t)n;
}

static void put(const void *bytes, size_t length) {
    const char *p = bytes;
    while (length > 0) {
        ssize_t n = syscall(SYS_write, journal_fd, p, length);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) die("journal write");
        p += n;
        length -= (size_t)n;
    }
}

static void put_u64(uint64_t value) { put(&value, 8); }

static void put_header(char kind, const char *path, size_t path_length) {
    uint16_t length = (uint16_t)path_length;
    put(&kind, 1);
    put(&length, 2);
    put(path, path_length);
}

static void put_descriptor(int fd) {
    uint32_t descriptor = (uint32_t)fd, tid = (uint32_t)syscall(SYS_gettid);
    put(&descriptor, 4);
    put(&tid, 4);
}

static uint64_t file_size(int fd) {
    struct stat status;
    if (fstat(fd, &status) != 0) die("fstat");
    return (uint64_t)status.st_size;
}

// Records the bytes [offset, offset + length) hold now (those below the end of the file).
static void put_old_bytes(int fd, uint64_t offset, uint64_t length, uint64_t size) {
    uint64_t old_length = offset >= size ? 0 : (size - offset < length ? size - offset : length);
    put_u64(old_length);
    char buffer[65536];
    uint64_t done = 0;
    // The length goes first, so the bytes are read in chunks and written as they come.
    while (done < old_length) {
        size_t chunk = old_length - done < sizeof buffer ? (size_t)(old_length - done) : sizeof buffer;
        ssize_t n = pread(fd, buffer, chunk, (off_t)(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) die("pread of old bytes");
        put(buffer, (size_t)n);
        done += (uint64_t)n;
    }
}

static void record_write(int fd, const char *path, size_t path_length, uint64_t offset, uint64_t length) {
    uint64_t size = file_size(fd);
    put_header('W', path, path_length);
    put_u64(offset);
    put_u64(size);
    put_old_bytes(fd, offset, length, size);
    put_u64(length);
    put_descriptor(fd);
    records++;
}

static void record_resize(int fd, const char *path, size_t path_length, uint64_t new_size) {
    uint64_t size = file_size(fd);
    put_header('T', path, path_length);
    put_u64(new_size);
    put_u64(size);
    put_old_bytes(fd, new_size, size > new_size ? size - new_size : 0, size);
    records++;
}

#define WRAP_WRITE(call, offset_expression, length_expression)                    \
    ensure_setup();                                                              \
    char path[PATH_MAX];                                                         \
    size_t path_length = watched_path(fd, path);                                 \
    if (path_length == 0) return call;                                           \
    pthread_mutex_lock(&journal_lock);                                           \
    record_write(fd, path, path_length, (offset_expression), (length_expression)); \
    __typeof__(call) result = call;                                              \
    pthread_mutex_unlock(&journal_lock);                                         \
    return result;

ssize_t write(int fd, const void *buffer, size_t length) {
    WRAP_WRITE(real_write(fd, buffer, length), (uint64_t)lseek(fd, 0, SEEK_CUR), length)
}

ssize_t pwrite(int fd, const void *buffer, size_t length, off_t offset) {
    WRAP_WRITE(real_pwrite(fd, buffer, length, offset), (uint64_t)offset, length)
}

ssize_t pwrite64(int fd, const void *buffer, size_t length, off_t offset) {
    WRAP_WRITE(real_pwrite64(fd, buffer, length, offset), (uint64_t)offset, length)
}

static uint64_t total_length(const struct iovec *vectors, int count) {
    uint64_t total = 0;
    for (int i = 0; i < count; i++) total += vectors[i].iov_len;
    return total;
}

ssize_t pwritev(int fd, const struct iovec *vectors, int count, off_t offset) {
    WRAP_WRITE(real_pwritev(fd, vectors, count, offset), (uint64_t)offset, total_length(vectors, count))
}

#define WRAP_RESIZE(call, new_size_expression)                  \
    ensure_setup();                                            \
    char path[PATH_MAX];                                       \
    size_t path_length = watched_path(fd, path);               \
    if (path_length == 0) return call;                         \
    pthread_mutex_lock(&journal_lock);                         \
    record_resize(fd, path, path_length, (new_size_expression)); \
    int result = call;                                         \
    pthread_mutex_unlock(&journal_lock);                       \
    return result;

int ftruncate(int fd, off_t size) { WRAP_RESIZE(real_ftruncate(fd, size), (uint64_t)size) }

int ftruncate64(int fd, off_t size) { WRAP_RESIZE(real_ftruncate64(fd, size), (uint64_t)size) }

// Allocation only grows a file: undoing it restores the size it had.
static uint64_t grown_size(int fd, off_t offset, off_t length) {
    uint64_t size = file_size(fd);
    uint64_t end = (uint64_t)offset + (uint64_t)length;
    return end > size ? end : size;
}

int fallocate(int fd, int mode, off_t offset, off_t length) {
    WRAP_RESIZE(real_fallocate(fd, mode, offset, length), grown_size(fd, offset, length))
}

int posix_fallocate(int fd, off_t offset, off_t length) {
    WRAP_RESIZE(real_posix_fallocate(fd, offset, length), grown_size(fd, offset, length))
}

static int synced(int fd, int (*sync)(int)) {
    ensure_setup();
    char path[PATH_MAX];
    size_t path_length = watched_path(fd, path);
    if (path_length == 0) return sync(fd);
    // Only what was written before the sync began is known to be covered by it.
    pthread_mutex_lock(&journal_lock);
    uint64_t covered = records;
    pthread_mutex_unlock(&journal_lock);
    int result = sync(fd);
    if (result != 0) return result;
    pthread_mutex_lock(&journal_lock);
    put_header('S', path, path_length);
    put_u64(covered);
    put_descriptor(fd);
    pthread_mutex_unlock(&journal_lock);
    return result;
}

int fsync(int fd) { return synced(fd, real_fsync); }

int fdatasync(int fd) { return synced(fd, real_fdatasync); }

static void record_removal(int dirfd, const char *name) {
    if (journal_fd < 0) return;
    char path[PATH_MAX + 256];
    if (name[0] == '/' || dirfd == AT_FDCWD) {
        if (realpath(name, path) == NULL) return;
    } else {
        char directory[PATH_MAX], link[64];
        snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
        ssize_t n = readlink(link, directory, sizeof directory - 1);
        if (n <= 0) return;
        directory[n] = 0;
        if (snprintf(path, sizeof path, "%s/%s", directory, name) >= (int)sizeof path) return;
    }
    size_t length = strlen(path);
    if (length <= watched_length || strncmp(path, watched, watched_length) != 0) return;
    pthread_mutex_lock(&journal_lock);
    put_header('U', path, length);
    records++;
    pthread_mutex_unlock(&journal_lock);
}

int unlink(const char *name) {
    ensure_setup();
    record_removal(AT_FDCWD, name);
    return real_unlink(name);
}

int unlinkat(int dirfd, const char *name, int flags) {
    ensure_setup();
    record_removal(dirfd, name);
    return real_unlinkat(dirfd, name, flags);
}

int rename(const char *from, const char *to) {
    ensure_setup();
    record_removal(AT_FDCWD, from);
    record_removal(AT_FDCWD, to);
    return real_rename(from, to);
}
