"""Power cuts under load: a real `ingest serve` under powercut.c, phones sending OpenRosa submissions,
the power cut at a random moment, and a count of what the gateway had acknowledged and then lost.

Used by test_durability.py (short, in CI) and power_loss.py (the long run the README quotes).
"""

import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests

import powercut

REPO = Path(__file__).resolve().parents[2]
XFORMS = REPO / "SampleForms" / "xforms"
EMAIL = "durability@example.org"
PASSWORD = "power cut under load, twenty times"
OPENROSA = {"X-OpenRosa-Version": "1.0"}
TIMEOUT = 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`ingest serve` on a database in `folder`; under the power-cut shim when `journal` is given."""

    def __init__(self, binary: Path, folder: Path, synchronous: str, shim: Path | None = None,
                 journal: Path | None = None):
        self.db = folder / "gateway.sqlite"
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        if shim is not None:
            env.update(LD_PRELOAD=str(shim), POWERCUT_DIR=str(folder), POWERCUT_JOURNAL=str(journal))
        self.log_path = folder.parent / f"server-{self.port}.log"
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [str(binary), "serve", "--db", str(self.db), "--port", str(self.port), "--synchronous", synchronous],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited ({self.process.returncode}): {self.log_tail()}")
            try:
                if requests.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not healthy within 60 s: {self.log_tail()}")
            time.sleep(0.05)

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self.log.close()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
        self.log.close()


@dataclass
class Site:
    """What the phones and the checks need to know of the prepared database."""
    project_id: int
    app_token: str
    admin_token: str = ""


def prepare(binary: Path, folder: Path) -> Site:
    """A database with an administrator, a project, the tree forms and an app user (no power cuts yet)."""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "gateway.sqlite"
    created = subprocess.run([str(binary), "user-create", "--db", str(db), "--email", EMAIL, "--admin"],
                             capture_output=True, text=True, timeout=60, env={**os.environ, "INGEST_PASSWORD": PASSWORD})
    assert created.returncode == 0, created.stdout + created.stderr
    server = Server(binary, folder, "full")
    try:
        admin = login(server)
        auth = {"Authorization": f"Bearer {admin}"}
        project = requests.post(f"{server.base}/v1/projects", json={"name": "Power cuts"}, headers=auth,
                                timeout=TIMEOUT).json()["id"]
        for form in ("trees_registration", "trees_update"):
            r = requests.post(f"{server.base}/v1/projects/{project}/forms?publish=true",
                              data=(XFORMS / f"{form}.xml").read_bytes(),
                              headers={**auth, "Content-Type": "application/xml"}, timeout=TIMEOUT)
            assert r.status_code == 200, r.text
        phone = requests.post(f"{server.base}/v1/projects/{project}/app-users", json={"displayName": "Phones"},
                              headers=auth, timeout=TIMEOUT).json()
        for form in ("trees_registration", "trees_update"):
            r = requests.post(f"{server.base}/v1/projects/{project}/forms/{form}/assignments/app-user/{phone['id']}",
                              headers=auth, timeout=TIMEOUT)
            assert r.status_code == 200, r.text
    finally:
        server.stop()
    return Site(project, phone["token"])


def login(server: Server) -> str:
    r = requests.post(f"{server.base}/v1/sessions", json={"email": EMAIL, "password": PASSWORD}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    return r.json()["token"]


# ----------------------------------------------------------------------------------------------- phones

REGISTRATION = (
    '<data xmlns:orx="http://openrosa.org/xforms" id="trees_registration" version="1">'
    "<tree_id>{n}</tree_id><species>Quercus robur</species><height>{height}</height><circumference>100</circumference>"
    '<notes>power cut</notes><meta><entity dataset="trees" create="1" id="{entity}"><label>Tree {n}</label></entity>'
    "<instanceID>{instance}</instanceID></meta></data>")
UPDATE = (
    '<data xmlns:orx="http://openrosa.org/xforms" id="trees_update" version="1">'
    "<tree>{entity}</tree><height>{height}</height><circumference>101</circumference><new_label/>"
    '<meta><entity dataset="trees" update="1" baseVersion="{base}" id="{entity}"><label>Tree {n}</label></entity>'
    "<instanceID>{instance}</instanceID></meta></data>")


@dataclass
class Acknowledged:
    """A submission the gateway answered with success, and the entity version it must have made."""
    form: str
    instance_id: str
    entity: str
    version: int


@dataclass
class Load:
    """Phones submitting until stopped: each registers a tree, then updates it a few times in turn."""
    server: Server
    site: Site
    phones: int = 8
    updates_per_tree: int = 3
    acknowledged: list = field(default_factory=list)
    refused: list = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self):
        self._threads = [threading.Thread(target=self._phone, args=(i,), daemon=True) for i in range(self.phones)]
        for t in self._threads:
            t.start()

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(timeout=TIMEOUT + 5)

    def _phone(self, index: int):
        url = f"{self.server.base}/v1/key/{self.site.app_token}/projects/{self.site.project_id}/submission"
        session = requests.Session()
        n = 0
        while not self._stop.is_set():
            entity = str(uuid.uuid4())
            n += 1
            for version in range(1, self.updates_per_tree + 2):
                instance = f"uuid:{uuid.uuid4()}"
                values = dict(n=f"{index}-{n}", entity=entity, instance=instance, height=version, base=version - 1)
                form, xml = ("trees_registration", REGISTRATION) if version == 1 else ("trees_update", UPDATE)
                try:
                    r = session.post(url, files=[("xml_submission_file", ("submission.xml", xml.format(**values),
                                                                         "text/xml"))],
                                     headers=OPENROSA, timeout=TIMEOUT)
                except requests.RequestException:
                    return  # the server is gone: this answer never came, so nothing was acknowledged
                if r.status_code not in (200, 201, 202):
                    with self._lock:
                        self.refused.append((r.status_code, r.text[:300]))
                    return
                with self._lock:
                    self.acknowledged.append(Acknowledged(form, instance, entity, version))
                if self._stop.is_set():
                    return


# ----------------------------------------------------------------------------------------------- checks

@dataclass
class RoundResult:
    acknowledged: int
    lost_submissions: list
    lost_entity_changes: list
    integrity: str
    inconsistent_entities: int
    undone_changes: int  # unsynced writes to the database and its log that the cut dropped


def integrity(db: Path) -> str:
    connection = sqlite3.connect(db)
    try:
        return "; ".join(row[0] for row in connection.execute("PRAGMA integrity_check"))
    finally:
        connection.close()


def missing(server: Server, site: Site, acknowledged: list) -> tuple[list, list]:
    """Acknowledged submissions the gateway no longer has, and entity versions they made that are gone."""
    auth = {"Authorization": f"Bearer {site.admin_token}"}
    api = f"{server.base}/v1/projects/{site.project_id}"
    stored = set()
    for form in ("trees_registration", "trees_update"):
        r = requests.get(f"{api}/forms/{form}/submissions", headers=auth, timeout=120)
        assert r.status_code == 200, r.text
        stored.update(s["instanceId"] for s in r.json())
    lost_submissions = [a.instance_id for a in acknowledged if a.instance_id not in stored]
    by_entity = {}
    for a in acknowledged:
        by_entity.setdefault(a.entity, []).append(a)
    lost_changes = []
    for entity, changes in by_entity.items():
        r = requests.get(f"{api}/datasets/trees/entities/{entity}/versions", headers=auth, timeout=TIMEOUT)
        versions = {} if r.status_code == 404 else {
            (v.get("source") or {}).get("submission", {}).get("instanceId"): v["version"] for v in r.json()}
        assert r.status_code in (200, 404), r.text
        lost_changes += [f"{entity} v{a.version}" for a in changes if versions.get(a.instance_id) != a.version]
    return lost_submissions, lost_changes


def inconsistent(server: Server, site: Site) -> int:
    r = requests.get(f"{server.base}/v1/consistency/report", headers={"Authorization": f"Bearer {site.admin_token}"},
                     timeout=300)
    assert r.status_code == 200, r.text
    return r.json()["invalid"]


def power_cut_rounds(binary: Path, shim: Path, folder: Path, site: Site, synchronous: str, rounds: int,
                     seconds: tuple = (0.4, 2.0), stop_when_lost: bool = False, rng: random.Random | None = None):
    """Each round: a server under the shim, load, the power cut at a random moment, then a fresh server
    (the next round's) checks what survived. Yields one RoundResult a round."""
    rng = rng or random.Random()
    journal = folder.parent / "powercut.journal"
    for _ in range(rounds):
        server = Server(binary, folder, synchronous, shim, journal)
        load = Load(server, site)
        load.start()
        time.sleep(rng.uniform(*seconds))
        server.kill()  # the process dies first; the cut then drops what only the page cache held
        load.stop()
        assert not load.refused, f"the gateway refused submissions under load: {load.refused[:3]}"
        undone = powercut.cut(journal)
        state = integrity(folder / "gateway.sqlite")
        checker = Server(binary, folder, synchronous)
        try:
            site.admin_token = login(checker)
            lost, lost_changes = missing(checker, site, load.acknowledged)
            invalid = inconsistent(checker, site)
        finally:
            checker.stop()
        # The -shm file is SQLite's shared-memory index, rebuilt from the log after a crash: not data.
        dropped = sum(count for path, count in undone.items() if not path.endswith("-shm"))
        result = RoundResult(len(load.acknowledged), lost, lost_changes, state, invalid, dropped)
        yield result
        if stop_when_lost and (lost or lost_changes):
            return


def wal_syncs_and_commits(binary: Path, shim: Path, folder: Path, site: Site, synchronous: str,
                          seconds: float = 2.0) -> tuple[int, int]:
    """Load for a while under the shim; returns (syncs of the write-ahead log by the connection that writes it,
    transactions the writer committed). Every commit whose callers were answered must have been synced."""
    journal = folder.parent / "syncs.journal"
    journal.unlink(missing_ok=True)
    server = Server(binary, folder, synchronous, shim, journal)
    try:
        load = Load(server, site)
        load.start()
        time.sleep(seconds)
        load.stop()
        assert load.acknowledged and not load.refused, load.refused[:3]
        metrics = requests.get(f"{server.base}/metrics", timeout=TIMEOUT).text
        commits = int(float(re.search(r"^ingest_transaction_writes_count(?:\{[^}]*\})? (\S+)$", metrics,
                                      re.MULTILINE).group(1)))
        recorded = powercut.read(journal)
    finally:
        server.stop()
    wal = str((folder / "gateway.sqlite-wal").resolve())
    writing = {c.fd for c in recorded.changes if c.path == wal and c.kind == "W"}
    syncs = sum(1 for s in recorded.syncs if s.path == wal and s.fd in writing)
    journal.unlink(missing_ok=True)
    return syncs, commits
