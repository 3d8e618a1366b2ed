"""The other half of powercut.c: reads its journal, and cuts the power after the process was killed.

`cut(journal)` undoes, newest first, every recorded change to a file that no sync of that file covered,
so the files hold what a disk would keep after a power failure. `syncs(journal)` and `writes(journal)`
let a test see who synced what.
"""

import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

LIBRARY_SOURCE = Path(__file__).with_name("powercut.c")


@dataclass
class Change:
    index: int
    kind: str  # "W" (write) or "T" (truncation or allocation)
    path: str
    offset: int  # W: where the write began; T: the new size
    size_before: int
    old_bytes: bytes
    length: int = 0  # W: how many bytes were written
    fd: int = -1  # W: the descriptor written through


@dataclass
class Sync:
    path: str
    covered: int  # records with a smaller index were on disk when the sync returned
    fd: int
    tid: int


@dataclass
class Journal:
    changes: list = field(default_factory=list)
    syncs: list = field(default_factory=list)
    removals: dict = field(default_factory=dict)  # path -> index of its last removal


def build(output_dir: Path) -> Path:
    """Compiles the shim (once per source change) and returns the shared library's path."""
    output_dir.mkdir(parents=True, exist_ok=True)
    library = output_dir / "libpowercut.so"
    if not library.exists() or library.stat().st_mtime < LIBRARY_SOURCE.stat().st_mtime:
        compiler = os.environ.get("CC", "cc")
        status = os.system(f"{compiler} -O2 -shared -fPIC -Wall -Werror -o '{library}' '{LIBRARY_SOURCE}' -ldl -lpthread")
        if status != 0:
            raise RuntimeError(f"building {LIBRARY_SOURCE} failed ({status})")
    return library


def read(journal: Path) -> Journal:
    data = journal.read_bytes() if journal.exists() else b""
    result = Journal()
    position = 0
    index = 0

    def take(n):
        nonlocal position
        if position + n > len(data):
            raise EOFError
        chunk = data[position:position + n]
        position += n
        return chunk

    def u64():
        return struct.unpack("<Q", take(8))[0]

    while position < len(data):
        start = position
        try:
            kind = take(1).decode()
            path = take(struct.unpack("<H", take(2))[0]).decode()
            if kind == "W":
                offset, size_before = u64(), u64()
                old = take(u64())
                length = u64()
                fd, _ = struct.unpack("<II", take(8))
                result.changes.append(Change(index, "W", path, offset, size_before, old, length, fd))
                index += 1
            elif kind == "T":
                new_size, size_before = u64(), u64()
                old = take(u64())
                result.changes.append(Change(index, "T", path, new_size, size_before, old))
                index += 1
            elif kind == "S":
                covered = u64()
                fd, tid = struct.unpack("<II", take(8))
                result.syncs.append(Sync(path, covered, fd, tid))
            elif kind == "U":
                result.removals[path] = index
                index += 1
            else:
                raise ValueError(f"journal {journal}: unknown record {kind!r} at byte {start}")
        except EOFError:
            # The process died while writing this record, before the change it describes was made.
            break
    return result


def cut(journal: Path) -> dict:
    """Undoes every unsynced change. Returns, per file, how many changes were undone."""
    parsed = read(journal)
    durable = {}
    for sync in parsed.syncs:
        durable[sync.path] = max(durable.get(sync.path, 0), sync.covered)
    undone = {}
    for change in reversed(parsed.changes):
        if change.index < durable.get(change.path, 0):
            continue
        if change.index < parsed.removals.get(change.path, -1):
            continue  # that file is gone; a later one of the same name has records of its own
        if not os.path.exists(change.path):
            continue
        with open(change.path, "r+b") as f:
            if change.kind == "W":
                f.seek(change.offset)
                f.write(change.old_bytes)
                if change.offset + change.length > change.size_before:
                    f.truncate(change.size_before)
            else:
                f.truncate(change.size_before)
                if change.old_bytes:
                    f.seek(change.offset)
                    f.write(change.old_bytes)
            # The harness's own writes must outlive it: they are the disk after the cut.
            f.flush()
            os.fsync(f.fileno())
        undone[change.path] = undone.get(change.path, 0) + 1
    journal.unlink(missing_ok=True)
    return undone
