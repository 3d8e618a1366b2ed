"""Harness for the ports of Central's entity test suites.

Every test gets its own `ingest serve` on a fresh copy of one prepared database:
project 1 "Default Project", the users Central's fixtures have (Alice, a site
administrator; Bob, manager of project 1; Chelsea, data collector of project 1),
each already logged in. Tests talk to the server over HTTP only, as a Central
client would, except where Central's own tests reach into the database (for
example to age a backlog row); `Gateway.sql` does that here.

Central's `exhaust(container)` (run the entity worker) has no counterpart: the
gateway does entity work inside the request that causes it.
"""

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

HERE = Path(__file__).resolve().parent
REPO = Path(os.environ.get("INGEST_E2E_REPO", HERE.parents[1]))
BIN = os.environ.get("INGEST_E2E_BIN", str(REPO / ".build/debug/ingest"))
TIMEOUT = 30

# Central's test fixtures (test/data/xml.js in getodk/central-backend), as data.
CENTRAL = json.loads((HERE / "central_xml.json").read_text())
FORMS = CENTRAL["forms"]
INSTANCES = CENTRAL["instances"]

USERS = {
    "alice": ("alice@getodk.org", "Alice", True),
    "bob": ("bob@getodk.org", "Bob", False),
    "chelsea": ("chelsea@getodk.org", "Chelsea", False),
}
PASSWORD = "password4test"


class Reply:
    """One HTTP answer: `status`, `headers`, `text`, `body` (JSON, or None)."""

    def __init__(self, response: requests.Response):
        self.response = response
        self.status = response.status_code
        self.headers = response.headers
        self.text = response.text
        try:
            self.body = response.json()
        except ValueError:
            self.body = None

    def expect(self, status: int) -> "Reply":
        assert self.status == status, f"expected {status}, got {self.status}: {self.text[:2000]}"
        return self


class Client:
    """Requests as one actor (a bearer token, or none)."""

    def __init__(self, base: str, token: str | None = None, headers: dict | None = None):
        self.base = base
        self.token = token
        self.extra = headers or {}
        self.http = requests.Session()

    def with_headers(self, **headers) -> "Client":
        return Client(self.base, self.token, {**self.extra, **headers})

    def request(self, method: str, path: str, json_body=None, xml: str | None = None,
                data=None, headers: dict | None = None, files=None) -> Reply:
        all_headers = dict(self.extra)
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        if xml is not None:
            data = xml.encode() if isinstance(xml, str) else xml
            all_headers["Content-Type"] = "application/xml"
        all_headers.update(headers or {})
        response = self.http.request(method, self.base + path, json=json_body, data=data,
                                     headers=all_headers, files=files, timeout=TIMEOUT)
        return Reply(response)

    def get(self, path, **kw) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw) -> Reply:
        return self.request("POST", path, json_body=json, **kw)

    def put(self, path, json=None, **kw) -> Reply:
        return self.request("PUT", path, json_body=json, **kw)

    def patch(self, path, json=None, **kw) -> Reply:
        return self.request("PATCH", path, json_body=json, **kw)

    def delete(self, path, **kw) -> Reply:
        return self.request("DELETE", path, **kw)

    # Shortcuts for the steps nearly every Central test takes.

    def publish(self, xml: str, project: int = 1) -> Reply:
        return self.post(f"/v1/projects/{project}/forms?publish=true", xml=xml).expect(200)

    def submit(self, form: str, xml: str, project: int = 1, status: int = 200) -> Reply:
        return self.post(f"/v1/projects/{project}/forms/{form}/submissions", xml=xml).expect(status)

    def edit(self, form: str, instance_id: str, xml: str, project: int = 1, status: int = 200) -> Reply:
        return self.put(f"/v1/projects/{project}/forms/{form}/submissions/{instance_id}", xml=xml).expect(status)

    def review(self, form: str, instance_id: str, state: str, project: int = 1) -> Reply:
        return self.patch(f"/v1/projects/{project}/forms/{form}/submissions/{instance_id}",
                          json={"reviewState": state}).expect(200)

    def openrosa(self, xml: str, project: int = 1, files: list | None = None) -> Reply:
        parts = [("xml_submission_file", ("submission.xml", xml.encode(), "text/xml"))]
        for name, content_type, data in files or []:
            parts.append((name, (name, data, content_type)))
        return self.request("POST", f"/v1/projects/{project}/submission", files=parts,
                            headers={"X-OpenRosa-Version": "1.0"})

    def entity(self, uuid: str, dataset: str = "people", project: int = 1) -> dict:
        return self.get(f"/v1/projects/{project}/datasets/{dataset}/entities/{uuid}").expect(200).body

    def versions(self, uuid: str, dataset: str = "people", project: int = 1, query: str = "") -> list:
        return self.get(f"/v1/projects/{project}/datasets/{dataset}/entities/{uuid}/versions{query}").expect(200).body

    def entities(self, dataset: str = "people", project: int = 1) -> list:
        return self.get(f"/v1/projects/{project}/datasets/{dataset}/entities").expect(200).body

    def submission_audits(self, form: str, instance_id: str, project: int = 1) -> list:
        return self.get(f"/v1/projects/{project}/forms/{form}/submissions/{instance_id}/audits").expect(200).body

    def process_backlog(self, force: bool = False) -> int:
        query = "?force=true" if force else ""
        return self.post(f"/v1/backlog/process{query}").expect(200).body["processed"]

    def backlog(self) -> list:
        return self.get("/v1/backlog").expect(200).body


class Gateway:
    """A running server: `alice`, `bob`, `chelsea` and `anonymous` clients, and its database."""

    def __init__(self, base: str, db: Path, tokens: dict):
        self.base = base
        self.db = db
        self.alice = Client(base, tokens["alice"])
        self.bob = Client(base, tokens["bob"])
        self.chelsea = Client(base, tokens["chelsea"])
        self.anonymous = Client(base)
        self.tokens = tokens

    def sql(self, statement: str, params: tuple = ()) -> list:
        """Runs one statement on the live database, as Central's tests run SQL on theirs."""
        connection = sqlite3.connect(self.db, timeout=30)
        try:
            rows = connection.execute(statement, params).fetchall()
            connection.commit()
            return rows
        finally:
            connection.close()

    def age_backlog(self, seconds: float) -> None:
        """Moves every held row's time back, as Central's tests move `loggedAt` back."""
        rows = self.sql("SELECT rowid, held_at FROM entity_backlog")
        for rowid, held_at in rows:
            held = time.mktime(time.strptime(held_at[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
            moved = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(held - seconds)) + held_at[19:]
            self.sql("UPDATE entity_backlog SET held_at = ? WHERE rowid = ?", (moved, rowid))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    def __init__(self, db: Path, log: Path, args: list[str] = ()):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self.log = open(log, "wb")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(self.port), *args],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text(errors='replace')[-3000:]}")
            try:
                if requests.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not become healthy")
            time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@pytest.fixture(scope="session")
def prepared(tmp_path_factory):
    """One database with Central's fixture project and users, logged in; copied for every test."""
    assert os.access(BIN, os.X_OK), f"ingest binary not executable: {BIN}"
    folder = tmp_path_factory.mktemp("central-fixtures")
    db = folder / "gateway.sqlite"
    for name, (email, display, admin) in USERS.items():
        args = [BIN, "user-create", "--db", str(db), "--email", email, "--display-name", display]
        if admin:
            args.append("--admin")
        made = subprocess.run(args, capture_output=True, text=True, timeout=60,
                              env={**os.environ, "INGEST_PASSWORD": PASSWORD})
        assert made.returncode == 0, made.stdout + made.stderr
    server = _Server(db, folder / "prepare.log")
    try:
        tokens = {}
        for name, (email, _, _) in USERS.items():
            reply = requests.post(server.base + "/v1/sessions", json={"email": email, "password": PASSWORD},
                                  timeout=TIMEOUT)
            assert reply.status_code == 200, reply.text
            tokens[name] = reply.json()["token"]
        alice = Client(server.base, tokens["alice"])
        assert alice.post("/v1/projects", json={"name": "Default Project"}).expect(200).body["id"] == 1
        ids = {u["email"]: u["id"] for u in [alice.get("/v1/users/current").body]}
        for name in ("bob", "chelsea"):
            ids[USERS[name][0]] = Client(server.base, tokens[name]).get("/v1/users/current").expect(200).body["id"]
        alice.post(f"/v1/projects/1/assignments/manager/{ids['bob@getodk.org']}").expect(200)
        alice.post(f"/v1/projects/1/assignments/formfill/{ids['chelsea@getodk.org']}").expect(200)
    finally:
        server.stop()
    return {"db": db, "tokens": tokens}


def start_gateway(prepared, folder: Path, args: list[str] = ()) -> tuple[Gateway, _Server]:
    db = folder / "gateway.sqlite"
    for suffix in ("", "-wal", "-shm"):
        source = Path(str(prepared["db"]) + suffix)
        if source.exists():
            shutil.copyfile(source, str(db) + suffix)
    server = _Server(db, folder / "server.log", list(args))
    return Gateway(server.base, db, prepared["tokens"]), server


@pytest.fixture
def gateway(prepared, tmp_path, request):
    """A fresh server for one test. `@pytest.mark.serve_args([...])` passes extra `serve` flags."""
    marker = request.node.get_closest_marker("serve_args")
    gateway, server = start_gateway(prepared, tmp_path, marker.args[0] if marker else [])
    try:
        yield gateway
    finally:
        server.stop()


def pytest_configure(config):
    config.addinivalue_line("markers", "serve_args(args): extra flags for `ingest serve`")
