#!/usr/bin/env python3
"""Summarises `perf script` output by the gateway's own code.

Each sample is charged to its innermost frame from one of our modules (Store, Entities, Ingest,
XMLParse), or to the library or kernel symbol it was in when none of ours is on the stack (SQLite is
built without frame pointers, so its samples rarely show a caller). Prints the top entries, then
inclusive shares of our frames.
usage: perf script -i perf.data | perf-own-frames.py [TOP]
"""
import collections
import re
import sys

OURS = ("$s5Store", "$s8Entities", "$s6Ingest", "$s8XMLParse")


def frame_name(line):
    line = line.strip()
    name = line.split(" ", 1)[1] if " " in line else line
    return re.sub(r"\+0x[0-9a-f]+ \(.*\)$", "", name)


def main():
    top = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    innermost, inclusive, total = collections.Counter(), collections.Counter(), 0
    for sample in sys.stdin.read().split("\n\n"):
        lines = sample.strip().split("\n")
        if len(lines) < 2:
            continue
        total += 1
        frames = [frame_name(line) for line in lines[1:]]
        own = next((f for f in frames if f.startswith(OURS)), None)
        innermost[own[:160] if own else "(outside our code) " + frames[0][:100]] += 1
        for name in {f[:160] for f in frames if f.startswith(OURS)}:
            inclusive[name] += 1
    print(f"samples: {total}")
    print("== innermost frame of ours")
    for name, count in innermost.most_common(top):
        print(f"{100 * count / total:5.1f}% {name}")
    print("== inclusive")
    for name, count in inclusive.most_common(top):
        print(f"{100 * count / total:5.1f}% {name}")


if __name__ == "__main__":
    main()
