"""Acknowledged means durable, checked from outside the process.

A real `ingest serve` runs under powercut.c, which journals every write to the database's files so that
what no sync covered can be dropped after the process is killed: a power cut. Each check also runs once
against `--synchronous normal`, which must fail it, so these tests are known to be able to fail.

Run through run.sh, which builds the shim and sets INGEST_DURABILITY_BIN. The long run the README quotes
is scripts/power-loss.sh.
"""

import os
import random
import shutil
import tempfile
from pathlib import Path

import pytest

import harness
import powercut

BIN = Path(os.environ.get("INGEST_DURABILITY_BIN", harness.REPO / ".build/debug/ingest"))
FULL_ROUNDS = int(os.environ.get("INGEST_POWER_CUTS", "3"))
CONTROL_ROUNDS = 6


@pytest.fixture(scope="module")
def workspace():
    with tempfile.TemporaryDirectory(prefix="ingest-durability-") as tmp:
        tmp = Path(tmp)
        yield tmp


@pytest.fixture(scope="module")
def shim(workspace):
    return powercut.build(workspace / "shim")


def fresh_site(workspace: Path, name: str):
    folder = workspace / name / "data"
    if folder.parent.exists():
        shutil.rmtree(folder.parent)
    return folder, harness.prepare(BIN, folder)


def test_every_committed_batch_syncs_the_log_before_its_callers_are_answered(workspace, shim):
    folder, site = fresh_site(workspace, "syncs-full")
    syncs, commits = harness.wal_syncs_and_commits(BIN, shim, folder, site, "full")
    assert commits > 50, "the load made too few commits to tell anything"
    assert syncs >= commits, f"{commits} batches committed, the writer synced its log {syncs} times"


def test_the_sync_count_catches_a_writer_that_does_not_sync(workspace, shim):
    folder, site = fresh_site(workspace, "syncs-normal")
    syncs, commits = harness.wal_syncs_and_commits(BIN, shim, folder, site, "normal")
    assert commits > 50
    # At FULL there is at least one sync per commit; NORMAL syncs only at checkpoints, whose share of the
    # commits moves with how the load batches (one CI run saw 21 in 210), so the bound only has to split the two.
    assert syncs < commits / 3, f"at NORMAL the writer should not sync each commit ({syncs} syncs, {commits} commits)"


def test_power_cuts_under_load_lose_nothing_acknowledged(workspace, shim):
    folder, site = fresh_site(workspace, "cuts-full")
    results = list(harness.power_cut_rounds(BIN, shim, folder, site, "full", FULL_ROUNDS, rng=random.Random(12)))
    acknowledged = sum(r.acknowledged for r in results)
    assert acknowledged > 100 * FULL_ROUNDS, f"too little load to tell anything: {acknowledged}"
    for r in results:
        assert r.lost_submissions == [] and r.lost_entity_changes == [], r
        assert r.integrity == "ok", r
        assert r.inconsistent_entities == 0, r


def test_the_same_cuts_show_losses_when_commits_are_not_synced(workspace, shim):
    folder, site = fresh_site(workspace, "cuts-normal")
    results = list(harness.power_cut_rounds(BIN, shim, folder, site, "normal", CONTROL_ROUNDS, stop_when_lost=True,
                                            rng=random.Random(34)))
    lost = sum(len(r.lost_submissions) for r in results)
    assert sum(r.undone_changes for r in results) > 0, "the cuts dropped nothing: the shim saw no unsynced writes"
    assert lost > 0, f"{len(results)} cuts at NORMAL lost nothing: the test cannot tell durable from not"
    # Losing the tail of the log never corrupts the database.
    assert all(r.integrity == "ok" and r.inconsistent_entities == 0 for r in results), results
