"""Crashes under load lose nothing acknowledged: the short CI variant of scripts/crash-test.sh.

A real `ingest serve` is killed with SIGKILL at random moments while phones (OpenRosa) and API clients
write to it, restarted on the same database each time, and checked for every submission, entity change
and review state it acknowledged (crash.py). The last two tests show the checks can fail: rows deleted
from the file, and acknowledgements the server never gave, are both reported as lost.

Run through run.sh, which sets INGEST_CRASH_BIN (default .build/debug/ingest); INGEST_CRASH_ROUNDS sets the
rounds (default 4).
"""

import os
import random
import tempfile
from pathlib import Path

import pytest

import crash
import harness

BIN = Path(os.environ.get("INGEST_CRASH_BIN", harness.REPO / ".build/debug/ingest"))
ROUNDS = int(os.environ.get("INGEST_CRASH_ROUNDS", "4"))
# A debug build parses a photo over 1 MB for seconds, during which little else is answered: few of them here.
BIG_PHOTOS = 0.05


@pytest.fixture
def folder():
    with tempfile.TemporaryDirectory(prefix="ingest-crash-") as tmp:
        yield Path(tmp) / "data"


def test_kills_under_mixed_load_lose_nothing_acknowledged(folder):
    run = crash.crash_rounds(BIN, folder, ROUNDS, random.Random(17), full_check_each_round=True,
                             big_photos=BIG_PHOTOS)
    s = run.summary()
    # A debug build on a busy machine acknowledges 25 to 100 a second: the bounds only have to show there was load.
    assert s["acknowledgedSubmissions"] >= 10 * ROUNDS, f"too little load to tell anything: {s}"
    kinds = s["entityChangesByKind"]
    assert kinds.get("openrosa-create") and kinds.get("openrosa-update"), kinds
    api = ("api-create", "api-patch", "api-patch-force", "rest-create", "rest-update")
    assert any(kinds.get(k) for k in api), kinds
    assert s["lost"] == 0, s["lostDetails"]
    assert s["serverErrors5xx"] == 0, s["serverErrorDetails"]
    assert s["loadErrors"] == [], s["loadErrors"]
    for r in run.results:
        assert r.integrity == "ok", r
        assert not r.died_before_kill, r
        assert r.check.problems() == [], r
    assert run.final.problems() == [], run.final.problems()
    assert s["inconsistentEntities"] == 0


def test_the_checks_report_acknowledged_rows_deleted_from_the_file(folder):
    run = crash.crash_rounds(BIN, folder, 1, random.Random(29), sabotage_last=True, big_photos=0)
    submission, version = run.removed
    assert f"submission {submission}" in run.final.lost_submissions, run.final.lost_submissions
    entity, number = version.split(" v")
    assert any(line.startswith(f"{entity} v{number} ") for line in run.final.lost_changes), run.final.lost_changes
    assert run.summary()["lost"] >= 2


def test_the_checks_report_acknowledgements_the_server_never_stored(folder):
    run = crash.crash_rounds(BIN, folder, 1, random.Random(31), big_photos=0)
    assert run.final.problems() == [], run.final.problems()
    record = run.record
    entity, version = next((e, v) for e, v in record.entities.items() if v >= 1)
    # The record says more was acknowledged than was: a submission, a version past the end, and a change
    # answered as a version that holds something else.
    record.submission("uuid:00000000-0000-4000-8000-00000000dead", "trees_registration", "openrosa", entity,
                      "Tree never sent", "create")
    record.api_change(entity, "api-patch", version + 50, "never sent")
    record.changes.append(dict(entity=entity, via="api-patch", version=1, label="not what version 1 holds"))
    server = harness.Server(BIN, folder, "full")
    try:
        check = crash.verify(crash.Http(record, server.base, harness.login(server)), run.site, record, {entity})
    finally:
        server.stop()
    assert check.lost_submissions == ["submission uuid:00000000-0000-4000-8000-00000000dead"]
    assert len(check.lost_changes) == 3, check.lost_changes  # the fake submission's entity change too
