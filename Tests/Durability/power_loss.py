"""The long power-loss run: N cuts at the default durability, then a control at NORMAL that must lose.

    python3 power_loss.py BINARY [--rounds 20] [--control-rounds 10] [--seed 1] [--out results.json]

Prints one line a round and the totals; exits 1 when anything acknowledged was lost at FULL, the
database was damaged, or the control lost nothing (then the run could not have told).
"""

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import harness
import powercut


def run(binary: Path, shim: Path, root: Path, synchronous: str, rounds: int, rng: random.Random):
    folder = root / synchronous / "data"
    site = harness.prepare(binary, folder)
    rows = []
    for n, r in enumerate(harness.power_cut_rounds(binary, shim, folder, site, synchronous, rounds,
                                                   stop_when_lost=False, rng=rng), start=1):
        rows.append(r)
        print(f"{synchronous:6} cut {n:2}: acknowledged {r.acknowledged:5}, lost submissions {len(r.lost_submissions):4}, "
              f"lost entity changes {len(r.lost_entity_changes):4}, unsynced writes dropped {r.undone_changes:5}, "
              f"integrity {r.integrity}, inconsistent entities {r.inconsistent_entities}", flush=True)
    return rows


def totals(rows):
    return {
        "cuts": len(rows),
        "acknowledged": sum(r.acknowledged for r in rows),
        "lostSubmissions": sum(len(r.lost_submissions) for r in rows),
        "lostEntityChanges": sum(len(r.lost_entity_changes) for r in rows),
        "unsyncedWritesDropped": sum(r.undone_changes for r in rows),
        "cutsWithLosses": sum(1 for r in rows if r.lost_submissions or r.lost_entity_changes),
        "integrityFailures": sum(1 for r in rows if r.integrity != "ok"),
        "inconsistentEntities": sum(r.inconsistent_entities for r in rows),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary", type=Path)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--control-rounds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="ingest-power-loss-") as tmp:
        root = Path(tmp)
        shim = powercut.build(root / "shim")
        full = totals(run(args.binary, shim, root, "full", args.rounds, rng))
        normal = totals(run(args.binary, shim, root, "normal", args.control_rounds, rng))
    summary = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "seed": args.seed,
               "seconds": round(time.time() - started), "full": full, "normalControl": normal}
    print(json.dumps(summary, indent=2))
    if args.out:
        args.out.write_text(json.dumps(summary, indent=2) + "\n")
    bad = (full["lostSubmissions"] or full["lostEntityChanges"] or full["integrityFailures"]
           or full["inconsistentEntities"] or normal["integrityFailures"] or normal["lostSubmissions"] == 0)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
