"""The crash test: `ingest serve` killed with SIGKILL at random moments under mixed OpenRosa and API load,
restarted on the same database, and checked for everything it had acknowledged.

    python3 crash.py BINARY [--rounds 20] [--seed 1] [--out summary.json] [--sabotage] [--big-photos 0.2]

Each round runs the load on the server, kills it 0.3 to 2 s in, checks the file with `PRAGMA
integrity_check`, restarts the same binary on the same database (state accumulates over the rounds) and
checks, over HTTP, with the session it had acknowledged before the kill:

- every acknowledged submission is listed, and the OData feed counts as many;
- every acknowledged entity change is there as the version it was answered with (API answers name it;
  a submission's is the version whose source is that submission), or, for an offline update that arrived
  before its predecessor, is still held in the backlog (`GET /v1/backlog`), but not once its predecessor
  made a version; versions run 1..N without holes, none is applied twice, each has its audit;
- each acknowledged review state stands, each acknowledged photo is there byte for byte;
- the consistency report finds nothing and no entity work failed (`entity.error`).

The load:

- phones (OpenRosa multipart as Collect sends it): tree registrations, offline update chains with
  `branchId`/`trunkVersion`/`baseVersion` (some sent out of order, so the server holds one in its backlog),
  offline branches (two phones updating the same tree from the same base), and site photos, some over the
  1 MB that is spilled to a file. A submission that got no answer stays in the phone's outbox and is sent
  again, in order, after the restart, as Collect does;
- API clients: entity create, PATCH with `baseVersion` and with `force=true`, REST submissions
  (`Content-Type: application/xml`), review-state PATCHes, and now and then forcing the backlog.

Prints one JSON summary; exits 1 when anything acknowledged was lost, a 5xx was answered, the database was
damaged or an entity is inconsistent. `--sabotage` deletes one acknowledged submission and one acknowledged
entity version from the file after the last kill, so the checks must report a loss (the control; exits 0
when they do).

Shares the power-cut harness (Tests/Durability/harness.py): its Server, prepare, login and XML templates.
"""

import argparse
import hashlib
import json
import os
import random
import sqlite3
import sys
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Durability"))
import harness  # noqa: E402

TIMEOUT = harness.TIMEOUT
FORMS = ("trees_registration", "trees_update", "site_photo")

# An offline update as Collect sends it: the branch it started offline, the server version it downloaded
# (trunkVersion) and its own version counter (baseVersion).
BRANCH_UPDATE = (
    '<data xmlns:orx="http://openrosa.org/xforms" id="trees_update" version="1">'
    "<tree>{entity}</tree><height>{height}</height><circumference>{circumference}</circumference>"
    "<new_label>{label}</new_label><meta>"
    '<entity dataset="trees" update="1" baseVersion="{base}" trunkVersion="{trunk}" branchId="{branch}" id="{entity}">'
    "<label>{label}</label></entity><instanceID>{instance}</instanceID></meta></data>")
# A submission with a photo; photos over 1 MB are spilled to a file and streamed into SQLite.
PHOTO = (
    '<data xmlns:orx="http://openrosa.org/xforms" id="site_photo" version="1"><description>{label}</description>'
    "<location>52.1 4.3 0 5</location><photo>photo.jpg</photo><meta><instanceID>{instance}</instanceID></meta></data>")


def marker() -> str:
    """A label no other change carries: it tells which stored version a change became."""
    return "c-" + uuid.uuid4().hex[:12]


# ----------------------------------------------------------------------------------------------- the record

@dataclass
class Record:
    """Everything the gateway acknowledged, over all rounds; shared by the client threads."""
    # instanceID -> {"form", "channel", "entity", "label", "kind": "create" | "update" | "photo"}
    submissions: dict = field(default_factory=dict)
    # {"entity", "via", "instance" (submissions) or "version" (API answers), "label"}; offline updates also
    # carry "branch" and "base" (the phone's counter), to find the predecessor a held one waits for
    changes: list = field(default_factory=list)
    photos: dict = field(default_factory=dict)  # instanceID -> SHA-256 of the photo sent with it
    # entity uuid -> a version the gateway acknowledged for it (a phone's last download, roughly)
    entities: dict = field(default_factory=dict)
    # instanceID -> {"acked": last acknowledged review state, "attempted": states sent without an answer since}
    reviews: dict = field(default_factory=dict)
    server_errors: list = field(default_factory=list)  # every 5xx answer: (method, path, status, body)
    conflicts: int = 0  # 409 answers to PATCH with a stale baseVersion: expected under contention
    forced: int = 0  # held updates that POST /v1/backlog/process?force=true applied
    touched: set = field(default_factory=set)  # entities changed (or tried) since the last check
    touched_photos: set = field(default_factory=set)  # photo submissions acknowledged since the last check
    lock: threading.Lock = field(default_factory=threading.Lock)

    def submission(self, instance: str, form: str, channel: str, entity: str, label: str, kind: str,
                   branch: str | None = None, base: int | None = None):
        with self.lock:
            self.submissions[instance] = dict(form=form, channel=channel, entity=entity, label=label, kind=kind)
            change = dict(entity=entity, via=f"{channel}-{kind}", instance=instance, label=label)
            if branch:
                change.update(branch=branch, base=base)
            self.changes.append(change)
            self.entities.setdefault(entity, 1)
            self.touched.add(entity)

    def photo(self, instance: str, sha256: str):
        with self.lock:
            self.submissions[instance] = dict(form="site_photo", channel="openrosa", entity=None, label="",
                                              kind="photo")
            self.photos[instance] = sha256
            self.touched_photos.add(instance)

    def api_change(self, entity: str, via: str, version: int, label: str):
        with self.lock:
            self.changes.append(dict(entity=entity, via=via, version=version, label=label))
            self.entities[entity] = max(version, self.entities.get(entity, 0))
            self.touched.add(entity)

    def touch(self, entity: str):
        with self.lock:
            self.touched.add(entity)

    def pick_entity(self, rng: random.Random, hot: int = 40) -> tuple[str, int] | None:
        """One of the most recently created trees, so that phones and API clients meet on the same ones."""
        with self.lock:
            if not self.entities:
                return None
            recent = list(self.entities)[-hot:]
            uuid_ = rng.choice(recent)
            return uuid_, self.entities[uuid_]

    def summary_counts(self) -> dict:
        by_via = {}
        for c in self.changes:
            by_via[c["via"]] = by_via.get(c["via"], 0) + 1
        return by_via


class Http:
    """A keep-alive session that records every 5xx; None when no answer came (the server is gone)."""

    def __init__(self, record: Record, base: str, token: str | None = None):
        self.record = record
        self.base = base
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def __call__(self, method: str, path: str, **kwargs) -> requests.Response | None:
        try:
            r = self.session.request(method, self.base + path, timeout=kwargs.pop("timeout", TIMEOUT), **kwargs)
        except requests.RequestException:
            return None
        if r.status_code >= 500:
            with self.record.lock:
                self.record.server_errors.append((method, path, r.status_code, r.text[:300]))
        return r


# ----------------------------------------------------------------------------------------------- the load

@dataclass
class Outgoing:
    """A submission a phone holds until the gateway acknowledges it."""
    form: str
    instance: str
    xml: str
    entity: str | None
    label: str
    kind: str
    device: str
    branch: str | None = None
    base: int | None = None
    photo: bytes | None = None


class Phone:
    """One Collect device: registers trees and sends offline updates; keeps what got no answer."""

    def __init__(self, index: int, site: harness.Site, record: Record, rng: random.Random, big_photos: float = 0.2):
        self.index = index
        self.site = site
        self.record = record
        self.rng = rng
        self.big_photos = big_photos  # the share of photos over 1 MB
        self.outbox: list[Outgoing] = []

    def run(self, base: str, admin_token: str, stop: threading.Event):
        phone = Http(self.record, base)
        lookup = Http(self.record, base, admin_token)  # stands in for downloading trees.csv
        path = f"/v1/key/{self.site.app_token}/projects/{self.site.project_id}/submission"
        pending, self.outbox = self.outbox, []
        if not self._send_all(phone, path, pending):
            return
        while not stop.is_set():
            action = self.rng.random()
            if action < 0.05:
                batch = [self._photo()]
            elif action < 0.3:
                batch = [self._registration()]
            else:
                picked = self.record.pick_entity(self.rng)
                if picked is None:
                    batch = [self._registration()]
                else:
                    entity, _ = picked
                    r = lookup("GET", f"/v1/projects/{self.site.project_id}/datasets/trees/entities/{entity}")
                    if r is None:
                        return
                    if r.status_code != 200:
                        continue
                    trunk = r.json()["currentVersion"]["version"]
                    if action < 0.7:
                        batch = self._offline_chain(entity, trunk, self.rng.randint(1, 3), "a")
                        if len(batch) >= 2 and self.rng.random() < 0.3:
                            batch[0], batch[1] = batch[1], batch[0]  # the second arrives first: held
                    else:
                        # Two phones took the same tree offline at the same version: two branches, interleaved.
                        a = self._offline_chain(entity, trunk, self.rng.randint(1, 2), "a")
                        b = self._offline_chain(entity, trunk, self.rng.randint(1, 2), "b")
                        batch = [s for pair in zip(a + [None] * 2, b + [None] * 2) for s in pair if s is not None]
            if not self._send_all(phone, path, batch):
                return

    def _send_all(self, phone: Http, path: str, batch: list) -> bool:
        """Sends in order; on no answer keeps that one and the rest for later, as Collect would."""
        for n, s in enumerate(batch):
            if s.entity:
                self.record.touch(s.entity)
            files = [("xml_submission_file", ("submission.xml", s.xml, "text/xml"))]
            if s.photo is not None:
                files.append(("photo.jpg", ("photo.jpg", s.photo, "image/jpeg")))
            r = phone("POST", f"{path}?deviceID={s.device}", headers=harness.OPENROSA, files=files)
            if r is None:
                self.outbox = batch[n:] + self.outbox
                return False
            if r.status_code in (200, 201, 202):
                if s.photo is not None:
                    self.record.photo(s.instance, hashlib.sha256(s.photo).hexdigest())
                else:
                    self.record.submission(s.instance, s.form, "openrosa", s.entity, s.label, s.kind, s.branch, s.base)
            elif r.status_code < 500:
                raise AssertionError(f"phone refused: {r.status_code} {r.text[:300]}")
        return True

    def _registration(self) -> Outgoing:
        entity, instance, label = str(uuid.uuid4()), f"uuid:{uuid.uuid4()}", marker()
        xml = harness.REGISTRATION.format(n=label, entity=entity, instance=instance, height=self.rng.randint(1, 40))
        return Outgoing("trees_registration", instance, xml, entity, f"Tree {label}", "create",
                        f"collect:phone{self.index}")

    def _photo(self) -> Outgoing:
        instance = f"uuid:{uuid.uuid4()}"
        # Mostly small photos; some over the 1 MB that goes through a file.
        big = self.rng.random() < self.big_photos
        size = self.rng.randint(1_050_000, 1_500_000) if big else self.rng.randint(2_000, 200_000)
        return Outgoing("site_photo", instance, PHOTO.format(label=marker(), instance=instance), None, "", "photo",
                        f"collect:phone{self.index}", photo=os.urandom(size))

    def _offline_chain(self, entity: str, trunk: int, length: int, device: str) -> list[Outgoing]:
        branch = str(uuid.uuid4())
        chain = []
        for k in range(length):
            instance, label = f"uuid:{uuid.uuid4()}", marker()
            xml = BRANCH_UPDATE.format(entity=entity, height=self.rng.randint(1, 40),
                                       circumference=self.rng.randint(1, 300), label=label, base=trunk + k,
                                       trunk=trunk, branch=branch, instance=instance)
            chain.append(Outgoing("trees_update", instance, xml, entity, label, "update",
                                  f"collect:phone{self.index}{device}", branch=branch, base=trunk + k))
        return chain


class ApiClient:
    """A pyodk-like client: entity creates and PATCHes, REST submissions, review states."""

    def __init__(self, index: int, clients: int, site: harness.Site, record: Record, rng: random.Random):
        self.index, self.clients = index, clients
        self.site, self.record, self.rng = site, record, rng

    def run(self, base: str, admin_token: str, stop: threading.Event):
        http = Http(self.record, base, admin_token)
        project = f"/v1/projects/{self.site.project_id}"
        entities = f"{project}/datasets/trees/entities"
        while not stop.is_set():
            action = self.rng.random()
            picked = self.record.pick_entity(self.rng)
            label = marker()
            if action < 0.15 or picked is None:
                entity = str(uuid.uuid4())
                self.record.touch(entity)
                r = http("POST", entities, json={"uuid": entity, "label": label, "data": {
                    "species": "Fagus sylvatica", "height": str(self.rng.randint(1, 40)), "circumference": "50"}})
                if r is None:
                    return
                self._expect(r, 200)
                if r.status_code == 200:
                    body = r.json()
                    assert body["uuid"] == entity, body
                    self.record.api_change(entity, "api-create", body["currentVersion"]["version"], label)
            elif action < 0.55:
                entity, _ = picked
                self.record.touch(entity)
                force = action >= 0.4
                if force:
                    query = "force=true"
                else:
                    r = http("GET", f"{entities}/{entity}")
                    if r is None:
                        return
                    if r.status_code != 200:
                        continue
                    query = f"baseVersion={r.json()['currentVersion']['version']}"
                r = http("PATCH", f"{entities}/{entity}?{query}",
                         json={"label": label, "data": {"height": str(self.rng.randint(1, 40))}})
                if r is None:
                    return
                if r.status_code == 409 and not force:
                    with self.record.lock:
                        self.record.conflicts += 1
                    continue
                self._expect(r, 200)
                if r.status_code == 200:
                    body = r.json()
                    assert body["currentVersion"]["label"] == label, body
                    self.record.api_change(entity, "api-patch-force" if force else "api-patch",
                                           body["currentVersion"]["version"], label)
            elif action < 0.85:
                instance = f"uuid:{uuid.uuid4()}"
                if action < 0.7 or picked is None:
                    entity, form, kind = str(uuid.uuid4()), "trees_registration", "create"
                    xml = harness.REGISTRATION.format(n=label, entity=entity, instance=instance, height=7)
                    stored_label = f"Tree {label}"
                else:
                    (entity, _), form, kind = picked, "trees_update", "update"
                    r = http("GET", f"{entities}/{entity}")
                    if r is None:
                        return
                    if r.status_code != 200:
                        continue
                    xml = harness.UPDATE.format(entity=entity, height=9, n=label, instance=instance,
                                                base=r.json()["currentVersion"]["version"])
                    stored_label = f"Tree {label}"
                self.record.touch(entity)
                r = http("POST", f"{project}/forms/{form}/submissions", data=xml.encode(),
                         headers={"Content-Type": "application/xml"})
                if r is None:
                    return
                self._expect(r, 200)
                if r.status_code == 200:
                    assert r.json()["instanceId"] == instance, r.text
                    self.record.submission(instance, form, "rest", entity, stored_label, kind)
            elif action < 0.98:
                if not self._review(http, project):
                    return
            else:
                # An administrator forces what the backlog holds: each held update applies to the current version.
                r = http("POST", "/v1/backlog/process?force=true")
                if r is None:
                    return
                self._expect(r, 200)
                if r.status_code == 200:
                    with self.record.lock:
                        self.record.forced += r.json()["processed"]

    def _review(self, http: Http, project: str) -> bool:
        """Sets the review state of one of the submissions this client looks after (one client a submission,
        so each submission's states are a sequence)."""
        with self.record.lock:
            mine = [i for i in list(self.record.submissions)[-200:] if zlib.crc32(i.encode()) % self.clients == self.index]
        if not mine:
            return True
        instance = self.rng.choice(mine)
        state = self.rng.choice(["hasIssues", "approved", "rejected", "received"])
        form = self.record.submissions[instance]["form"]
        r = http("PATCH", f"{project}/forms/{form}/submissions/{instance}", json={"reviewState": state})
        with self.record.lock:
            review = self.record.reviews.setdefault(instance, {"acked": None, "attempted": []})
            if r is None or r.status_code >= 500:
                review["attempted"].append(state)
            elif r.status_code == 200:
                review.update(acked=state, attempted=[])
        if r is None:
            return False
        self._expect(r, 200)
        return True

    def _expect(self, r: requests.Response, status: int):
        if r.status_code != status and r.status_code < 500:
            raise AssertionError(f"{r.request.method} {r.request.path_url}: {r.status_code} {r.text[:300]}")


@dataclass
class Load:
    """The phones and API clients of one round, on one running server."""
    phones: list
    clients: list
    errors: list = field(default_factory=list)

    def start(self, base: str, admin_token: str):
        self.stop_event = threading.Event()
        self.threads = [threading.Thread(target=self._guard, args=(w, base, admin_token), daemon=True)
                        for w in self.phones + self.clients]
        for t in self.threads:
            t.start()

    def _guard(self, worker, base, admin_token):
        try:
            worker.run(base, admin_token, self.stop_event)
        except Exception as error:  # a refusal the load did not expect: reported, not swallowed
            self.errors.append(f"{type(worker).__name__} {worker.index}: {error!r}")

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(timeout=TIMEOUT + 10)


# ----------------------------------------------------------------------------------------------- checks

@dataclass
class Check:
    lost_submissions: list = field(default_factory=list)
    lost_changes: list = field(default_factory=list)
    gaps: list = field(default_factory=list)
    duplicated: list = field(default_factory=list)
    review_mismatches: list = field(default_factory=list)
    odata_mismatches: list = field(default_factory=list)
    audit_mismatches: list = field(default_factory=list)
    stuck: list = field(default_factory=list)  # held although the update they wait for has been applied
    damaged_photos: list = field(default_factory=list)
    held: int = 0
    inconsistent: int = 0
    entity_errors: int = 0
    entities_checked: int = 0

    @property
    def lost(self) -> int:
        return len(self.lost_submissions) + len(self.lost_changes)

    def problems(self) -> list:
        return (self.lost_submissions + self.lost_changes + self.gaps + self.duplicated + self.review_mismatches
                + self.odata_mismatches + self.audit_mismatches + self.stuck + self.damaged_photos
                + ([f"{self.inconsistent} inconsistent entities"] if self.inconsistent else [])
                + ([f"{self.entity_errors} entity.error audits"] if self.entity_errors else []))


def verify(http: Http, site: harness.Site, record: Record, entities: set | None = None,
           photos: set | None = None) -> Check:
    """What the restarted server holds against what it acknowledged. `entities` and `photos`: the entities
    whose histories and the photos whose bytes are read (all with None); the lists of submissions, review
    states and the consistency report are always checked whole."""
    check = Check()
    project = f"/v1/projects/{site.project_id}"

    def get(path: str, timeout: int = TIMEOUT):
        r = http("GET", path, timeout=timeout)
        assert r is not None and r.status_code == 200, f"GET {path}: {r and r.status_code} {r and r.text[:300]}"
        return r.json()

    held = {item["instanceId"] for item in get("/v1/backlog")}
    stored = {}
    for form in FORMS:
        listed = get(f"{project}/forms/{form}/submissions", timeout=300)
        stored.update((s["instanceId"], s) for s in listed)
        counted = get(f"{project}/forms/{form}.svc/Submissions?$top=1&$count=true")["@odata.count"]
        if counted != len(listed):
            check.odata_mismatches.append(f"{form}: OData counts {counted}, the list has {len(listed)}")
    with record.lock:
        submissions = dict(record.submissions)
        changes = list(record.changes)
        reviews = {k: dict(v) for k, v in record.reviews.items()}
        sent_photos = dict(record.photos)
    check.lost_submissions = [f"submission {i}" for i in submissions if i not in stored]
    for instance, review in reviews.items():
        if instance not in stored:
            continue
        state = stored[instance]["reviewState"]
        allowed = [review["acked"]] + review["attempted"]
        if state not in allowed:
            check.review_mismatches.append(f"{instance} reviewState {state}, acknowledged {review['acked']}")

    by_entity = {}
    for c in changes:
        by_entity.setdefault(c["entity"], []).append(c)
    for entity in sorted(by_entity if entities is None else set(entities) & set(by_entity)):
        check.entities_checked += 1
        r = http("GET", f"{project}/datasets/trees/entities/{entity}/versions")
        assert r is not None and r.status_code in (200, 404), r and r.text[:300]
        versions = r.json() if r.status_code == 200 else []
        numbers = [v["version"] for v in versions]
        if numbers != list(range(1, len(numbers) + 1)):
            check.gaps.append(f"{entity} versions {numbers}")
        if versions:  # each version is audited in its own transaction: as many audits as versions
            audits = http("GET", f"{project}/datasets/trees/entities/{entity}/audits")
            assert audits is not None and audits.status_code == 200, audits and audits.text[:300]
            audited = sum(1 for a in audits.json() if a["action"] in ("entity.create", "entity.update.version"))
            if audited != len(versions):
                check.audit_mismatches.append(f"{entity}: {len(versions)} versions, {audited} version audits")
        by_number = {v["version"]: v for v in versions}
        by_instance = {}
        for v in versions:
            instance = ((v.get("source") or {}).get("submission") or {}).get("instanceId")
            if instance:
                by_instance.setdefault(instance, []).append(v)
        for instance, made in by_instance.items():
            if len(made) > 1 or (instance in held and made):
                check.duplicated.append(f"{entity}: {instance} made versions {[v['version'] for v in made]}"
                                        + (" and is still held" if instance in held else ""))
        labels = {}
        for v in versions:
            labels.setdefault(v["label"], []).append(v["version"])
        for c in by_entity[entity]:
            if "version" in c:  # an API answer said which version it made
                v = by_number.get(c["version"])
                if v is None or v["label"] != c["label"]:
                    check.lost_changes.append(f"{entity} v{c['version']} ({c['via']})")
                elif len(labels[c["label"]]) > 1:
                    check.duplicated.append(f"{entity}: label {c['label']} in versions {labels[c['label']]}")
            else:  # a submission: the version it made, or (an offline update) still held for its predecessor
                made = by_instance.get(c["instance"], [])
                if made:
                    if made[0]["label"] != c["label"]:
                        check.lost_changes.append(
                            f"{entity} {c['instance']}: label {made[0]['label']} not {c['label']}")
                elif not (c["via"].endswith("update") and c["instance"] in held):
                    check.lost_changes.append(f"{entity} {c['instance']} ({c['via']})")
        # A held update waits for the one its phone made before it in the same branch; once that one made a
        # version, the held one must have been released with it.
        made_by = {c["instance"]: c for c in by_entity[entity] if "branch" in c}
        for c in made_by.values():
            if c["instance"] in held:
                before = [p for p in made_by.values() if p["branch"] == c["branch"] and p["base"] == c["base"] - 1]
                if before and by_instance.get(before[0]["instance"]):
                    check.stuck.append(f"{entity}: {c['instance']} still held after {before[0]['instance']} applied")
    for instance in sorted(sent_photos if photos is None else set(photos) & set(sent_photos)):
        if instance not in stored:
            continue  # already counted as a lost submission
        r = http("GET", f"{project}/forms/site_photo/submissions/{instance}/attachments/photo.jpg", timeout=60)
        assert r is not None, "no answer"
        if r.status_code != 200 or hashlib.sha256(r.content).hexdigest() != sent_photos[instance]:
            check.damaged_photos.append(f"{instance}: photo {r.status_code}, {len(r.content)} bytes")
    check.held = len(held)
    report = get("/v1/consistency/report", timeout=600)
    check.inconsistent = report["invalid"]
    # Nothing in the load is refused by the entity rules: an entity.error means acknowledged entity work failed.
    check.entity_errors = get("/v1/consistency/health")["entityErrorsLastHour"]
    return check


# ----------------------------------------------------------------------------------------------- rounds

@dataclass
class RoundResult:
    round: int
    killed_after: float
    acknowledged_submissions: int  # in this round
    acknowledged_changes: int
    server_errors: int
    integrity: str
    check: Check
    load_errors: list
    died_before_kill: bool


def sabotage(db: Path, record: Record) -> list:
    """Deletes one acknowledged submission and one acknowledged entity version from the file (the server is
    down): the checks must then report both as lost."""
    with record.lock:
        instance = next(i for i, s in record.submissions.items() if s["kind"] == "create")
        answered = [c for c in record.changes if "version" in c and c["version"] > 1]
        # A version from the middle of a history where there is one, so the gap check has a hole to find.
        change = next((c for c in answered if c["version"] < record.entities[c["entity"]]), answered[-1])
    connection = sqlite3.connect(db)
    try:
        with connection:
            assert connection.execute("DELETE FROM submissions WHERE instance_id = ?", (instance,)).rowcount == 1
            assert connection.execute(
                "DELETE FROM entity_versions WHERE version = ?"
                " AND entity_id = (SELECT id FROM entities WHERE uuid = ?)",
                (change["version"], change["entity"])).rowcount == 1
    finally:
        connection.close()
    record.touch(change["entity"])
    return [instance, f"{change['entity']} v{change['version']}"]


def publish_photo_form(server: harness.Server, site: harness.Site):
    """The site photo form beside the tree forms that harness.prepare set up, given to the same phones."""
    auth = {"Authorization": f"Bearer {site.admin_token}"}
    api = f"{server.base}/v1/projects/{site.project_id}"
    r = requests.post(f"{api}/forms?publish=true", data=(harness.XFORMS / "site_photo.xml").read_bytes(),
                      headers={**auth, "Content-Type": "application/xml"}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    phones = requests.get(f"{api}/app-users", headers=auth, timeout=TIMEOUT).json()
    phone = next(p for p in phones if p["token"] == site.app_token)
    r = requests.post(f"{api}/forms/site_photo/assignments/app-user/{phone['id']}", headers=auth, timeout=TIMEOUT)
    assert r.status_code == 200, r.text


@dataclass
class Run:
    results: list  # a RoundResult a kill
    final: Check  # everything checked once more after the last restart
    record: Record
    site: harness.Site
    removed: list  # what the sabotage deleted: [instanceID, "uuid vN"]

    def summary(self, seconds: float = 0, seed: int = 0) -> dict:
        return summary(self.results, self.final, self.record, seconds, seed)


def crash_rounds(binary: Path, folder: Path, rounds: int, rng: random.Random, phones: int = 6, clients: int = 3,
                 seconds: tuple = (0.3, 2.0), full_check_each_round: bool = False, sabotage_last: bool = False,
                 big_photos: float = 0.2, on_round=None) -> Run:
    """Runs the rounds on a new database in `folder`: load, SIGKILL, restart, check, again."""
    site = harness.prepare(binary, folder)
    record = Record()
    server = harness.Server(binary, folder, "full")
    token = harness.login(server)
    site.admin_token = token
    publish_photo_form(server, site)
    workers = Load([Phone(i, site, record, random.Random(rng.random()), big_photos) for i in range(phones)],
                   [ApiClient(i, clients, site, record, random.Random(rng.random())) for i in range(clients)])
    results, removed = [], []
    try:
        for n in range(1, rounds + 1):
            before_subs, before_changes = len(record.submissions), len(record.changes)
            errors_before = len(record.server_errors)
            workers.errors = []
            with record.lock:
                record.touched, record.touched_photos = set(), set()
            workers.start(server.base, token)
            wait = rng.uniform(*seconds)
            time.sleep(wait)
            died = server.process.poll() is not None
            server.kill()
            workers.stop()
            state = harness.integrity(folder / "gateway.sqlite")
            if sabotage_last and n == rounds:
                removed = sabotage(folder / "gateway.sqlite", record)
            server = harness.Server(binary, folder, "full")  # the same binary, the same database
            http = Http(record, server.base, token)  # the session acknowledged before the kill still holds
            with record.lock:
                touched, photos = set(record.touched), set(record.touched_photos)
            check = verify(http, site, record, None if full_check_each_round else touched,
                           None if full_check_each_round else photos)
            result = RoundResult(n, round(wait, 3), len(record.submissions) - before_subs,
                                 len(record.changes) - before_changes, len(record.server_errors) - errors_before,
                                 state, check, list(workers.errors), died)
            results.append(result)
            if on_round:
                on_round(result)
        final = verify(Http(record, server.base, token), site, record, None)
    finally:
        server.stop()
    return Run(results, final, record, site, removed)


def summary(results: list, final: Check, record: Record, seconds: float, seed: int) -> dict:
    # A loss seen after any kill counts, even if a later check could not see it any more.
    lost = {x for c in [final] + [r.check for r in results] for x in c.lost_submissions + c.lost_changes}
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seed": seed,
        "seconds": round(seconds),
        "rounds": len(results),
        "acknowledgedSubmissions": len(record.submissions),
        "acknowledgedEntityChanges": len(record.changes),
        "entityChangesByKind": record.summary_counts(),
        "entities": len(record.entities),
        "reviewStatesAcknowledged": sum(1 for r in record.reviews.values() if r["acked"]),
        "stalePatchConflicts409": record.conflicts,
        "backlogForced": record.forced,
        "lost": len(lost),
        "lostDetails": sorted(lost)[:20],
        "gaps": len(final.gaps),
        "duplicated": len(final.duplicated),
        "reviewMismatches": len(final.review_mismatches),
        "odataMismatches": len(final.odata_mismatches),
        "stuckInBacklog": len(final.stuck),
        "photosAcknowledged": len(record.photos),
        "damagedPhotos": len(final.damaged_photos),
        "auditMismatches": len(final.audit_mismatches),
        "inconsistentEntities": max([final.inconsistent] + [r.check.inconsistent for r in results]),
        "entityErrors": final.entity_errors,
        "serverErrors5xx": len(record.server_errors),
        "serverErrorDetails": [list(e) for e in record.server_errors[:10]],
        "integrityFailures": sum(1 for r in results if r.integrity != "ok"),
        "diedBeforeKill": sum(1 for r in results if r.died_before_kill),
        "loadErrors": [e for r in results for e in r.load_errors][:10],
        "heldInBacklogAtEnd": final.held,
        "roundProblems": sum(len(r.check.problems()) for r in results),
    }


def clean(s: dict) -> bool:
    return not (s["lost"] or s["gaps"] or s["duplicated"] or s["reviewMismatches"] or s["odataMismatches"]
                or s["auditMismatches"]
                or s["stuckInBacklog"] or s["damagedPhotos"] or s["entityErrors"]
                or s["inconsistentEntities"] or s["serverErrors5xx"] or s["integrityFailures"] or s["diedBeforeKill"]
                or s["loadErrors"] or s["roundProblems"])


def main():
    import tempfile

    parser = argparse.ArgumentParser()
    parser.add_argument("binary", type=Path)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--sabotage", action="store_true",
                        help="delete acknowledged rows after the last kill (control)")
    parser.add_argument("--big-photos", type=float, default=0.2, help="the share of photos over 1 MB")
    args = parser.parse_args()
    started = time.time()

    def line(r: RoundResult):
        c = r.check
        print(f"round {r.round:2}: killed after {r.killed_after:.2f} s, acknowledged {r.acknowledged_submissions:4} "
              f"submissions and {r.acknowledged_changes:4} entity changes, 5xx {r.server_errors}, lost {c.lost}, "
              f"gaps {len(c.gaps)}, duplicated {len(c.duplicated)}, held {c.held}, integrity {r.integrity}, "
              f"inconsistent {c.inconsistent}, entities checked {c.entities_checked}"
              + (f", problems {c.problems()[:3]}" if c.problems() else "")
              + (f", load errors {r.load_errors[:2]}" if r.load_errors else ""), file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="ingest-crash-") as tmp:
        run = crash_rounds(args.binary, Path(tmp) / "data", args.rounds, random.Random(args.seed),
                           sabotage_last=args.sabotage, big_photos=args.big_photos, on_round=line)
    s = run.summary(time.time() - started, args.seed)
    s["binary"] = str(args.binary)
    if args.sabotage:
        s["sabotaged"] = run.removed
    print(json.dumps(s, indent=2))
    if args.out:
        args.out.write_text(json.dumps(s, indent=2) + "\n")
    if args.sabotage:
        sys.exit(0 if s["lost"] >= 2 else 1)
    sys.exit(0 if clean(s) else 1)


if __name__ == "__main__":
    main()
