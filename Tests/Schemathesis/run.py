"""Seeds a fresh `ingest serve` and runs schemathesis against the OpenAPI document it serves.

Called by run.sh with the binary as the first argument; further arguments go to `schemathesis run`.
The last line printed is the summary: operations tested, examples, failures, and the time taken.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.etree import ElementTree

import requests

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
FORMS = REPO / "SampleForms" / "xforms"
SUBMISSIONS = REPO / "SampleForms" / "submissions"
EMAIL = "schemathesis-admin@example.org"
PASSWORD = "schemathesis passphrase"

# Examples per operation and phase: 30 keeps the whole run under three minutes on two cores with the debug build.
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "30"))

# Operations left out because they would end the run's own credentials, not because they fail:
# logging out the session every request uses, and deleting a user or taking the admin role away (generated
# ids are small numbers, and id 1 is the administrator whose token the run uses).
EXCLUDED_OPERATIONS = ["deleteCurrentSession", "deleteUser", "revokeSiteRole"]

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Seed:
    """What the run's requests have to hit: the ids and names the document's examples name."""

    def __init__(self, base: str, token: str):
        self.base = base
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method, path, expect=200, **kwargs):
        r = self.session.request(method, self.base + path, timeout=30, **kwargs)
        if r.status_code != expect:
            raise SystemExit(f"seed: {method} {path} answered {r.status_code}: {r.text[:400]}")
        return r

    def json(self, method, path, body=None, **kwargs):
        return self.call(method, path, json=body, **kwargs).json()

    def xml(self, method, path, file: Path, **kwargs):
        return self.call(method, path, data=file.read_bytes(), headers={"Content-Type": "application/xml"}, **kwargs)

    def run(self) -> dict:
        ana = self.json("POST", "/v1/users", {"email": "ana@example.org", "displayName": "Ana", "password": "a long passphrase"})
        project = self.json("POST", "/v1/projects", {"name": "Trees"})
        assert project["id"] == 1, project
        p = "/v1/projects/1"
        for form in ["trees_registration", "trees_update", "trees_upsert", "households_repeat", "site_photo", "big_survey"]:
            self.xml("POST", f"{p}/forms?publish=true", FORMS / f"{form}.xml")
        # A deleted form for the restore operation (its numeric id is the document's example).
        self.call("DELETE", f"{p}/forms/big_survey")
        deleted = self.json("GET", f"{p}/forms?deleted=true")
        for name in ["reg-1-oak", "reg-2-beech", "reg-3-pine"]:
            self.xml("POST", f"{p}/forms/trees_registration/submissions", SUBMISSIONS / "trees_registration" / f"{name}.xml")
        self.xml("PUT", f"{p}/forms/trees_registration/submissions/uuid:11110000-0000-4000-8000-000000000001",
                 SUBMISSIONS / "trees_registration" / "reg-1-oak-edited.xml")
        self.xml("POST", f"{p}/forms/trees_update/submissions", SUBMISSIONS / "trees_update" / "update-1.xml")
        self.xml("POST", f"{p}/forms/households_repeat/submissions", SUBMISSIONS / "households_repeat" / "household-1.xml")
        site = SUBMISSIONS / "site_photo"
        self.call("POST", f"{p}/submission", expect=201, headers={"X-OpenRosa-Version": "1.0"}, files={
            "xml_submission_file": ("site-1.xml", (site / "site-1.xml").read_bytes(), "text/xml"),
            "tree.jpg": ("tree.jpg", (site / "tree.jpg").read_bytes(), "image/jpeg"),
        })
        self.json("POST", f"{p}/datasets/trees/entities", {"label": "Tilia 104", "data": {"species": "Tilia cordata"}})
        self.json("POST", f"{p}/forms/trees_registration/submissions/uuid:11110000-0000-4000-8000-000000000002/comments",
                  {"body": "height looks right"})
        phone = self.json("POST", f"{p}/app-users", {"displayName": "Phone 1"})
        spare = self.json("POST", f"{p}/app-users", {"displayName": "Phone 2"})
        for form in ["trees_registration", "trees_update"]:
            self.json("POST", f"{p}/forms/{form}/assignments/app-user/{phone['id']}")
        self.json("POST", f"{p}/assignments/viewer/{ana['id']}")
        for form in ["trees_registration", "trees_update", "households_repeat"]:
            self.call("POST", f"{p}/forms/{form}/draft")
        draft = self.json("GET", f"{p}/forms/trees_registration/draft")
        return {"ana": ana["id"], "phone": phone, "spare": spare["id"], "draftToken": draft["draftToken"],
                "deletedForm": deleted[0]["id"]}


def main() -> int:
    binary = sys.argv[1]
    extra = sys.argv[2:]
    with tempfile.TemporaryDirectory(prefix="ingest-schemathesis-") as tmp:
        tmp = Path(tmp)
        db = tmp / "gateway.sqlite"
        created = subprocess.run([binary, "user-create", "--db", str(db), "--email", EMAIL, "--admin"],
                                 capture_output=True, text=True, timeout=60, env={**os.environ, "INGEST_PASSWORD": PASSWORD})
        if created.returncode != 0:
            print(f"user-create failed: {created.stdout}{created.stderr}", file=sys.stderr)
            return 2
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log_path = tmp / "server.log"
        log = open(log_path, "wb")
        server = subprocess.Popen([binary, "serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port),
                                   "--scratch-dir", str(tmp / "scratch")],
                                  stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while True:
                if server.poll() is not None:
                    print(f"server exited early ({server.returncode}):\n{log_path.read_text()[-4000:]}", file=sys.stderr)
                    return 2
                try:
                    if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    print("server did not answer /healthz within 30 s", file=sys.stderr)
                    return 2
                time.sleep(0.1)
            token = requests.post(f"{base}/v1/sessions", json={"email": EMAIL, "password": PASSWORD}, timeout=30).json()["token"]
            seeded = Seed(base, token).run()
            expected = {"ana": 2, "spare": 4, "deletedForm": 6}
            for key, value in expected.items():
                if seeded[key] != value:
                    print(f"seed: {key} is {seeded[key]}, but the document's examples name {value}", file=sys.stderr)
                    return 2

            if os.environ.get("SCHEMATHESIS_SERVE_ONLY"):
                # For working on the document: a seeded server to try requests against, until interrupted.
                print(f"serving {base}  token {token}  key {seeded['phone']['token']}  draftToken {seeded['draftToken']}", flush=True)
                server.wait()
                return 0
            spec = tmp / "openapi.yaml"
            spec.write_bytes(requests.get(f"{base}/v1/openapi.yaml", timeout=30).content)
            # For working on the document: test an edited copy without rebuilding the server that embeds it.
            location = [str(Path(os.environ["SCHEMATHESIS_SPEC"]).resolve()), "--url", base] if os.environ.get("SCHEMATHESIS_SPEC") else [f"{base}/v1/openapi.yaml"]
            checked = os.environ.get("SCHEMATHESIS_SPEC") or str(spec)
            validated = subprocess.run([sys.executable, "-m", "openapi_spec_validator", checked], capture_output=True, text=True)
            print(validated.stdout.strip() or validated.stderr.strip())
            if validated.returncode != 0:
                print(validated.stderr, file=sys.stderr)
                return 1

            command = [
                str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(HERE / "schemathesis.toml"), "--no-color",
                "run", *location,
                "--checks", ",".join(CHECKS),
                "--header", f"Authorization: Bearer {token}",
                "--max-examples", str(MAX_EXAMPLES),
                "--phases", "examples,coverage,fuzzing",
                "--seed", "17",
                # One worker: with two, CPython 3.11's ast.parse (which hypothesis calls from each thread) can fail
                # with "AST constructor recursion depth mismatch", an interpreter bug, not a finding.
                "--workers", "1",
                "--generation-database", "none",
                "--request-timeout", "30",
                "--report", "junit", "--report-dir", str(tmp / "report"),
            ]
            for operation in EXCLUDED_OPERATIONS:
                command += ["--exclude-operation-id", operation]
            env = {**os.environ, "SCHEMATHESIS_APP_USER_KEY": seeded["phone"]["token"], "SCHEMATHESIS_DRAFT_TOKEN": seeded["draftToken"]}
            started = time.monotonic()
            run = subprocess.run(command + extra, cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            elapsed = time.monotonic() - started
            output = run.stdout
            print(output)
            reports = sorted((tmp / "report").glob("junit*.xml"))
            report = reports[-1].read_bytes() if reports else None
            if os.environ.get("SCHEMATHESIS_KEEP_REPORT") and report is not None:
                Path(os.environ["SCHEMATHESIS_KEEP_REPORT"]).write_bytes(report)
        finally:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait(timeout=10)
            log.close()
        failed_requests = log_path.read_text(errors="replace").count("request failed")

    tested = re.search(r"Tested:\s*(\d+)", output)
    cases = re.search(r"Test cases:\s*(\d+) generated", output)
    failures = errors = 0
    if report is not None:
        root = ElementTree.fromstring(report)
        failures = sum(1 for _ in root.iter("failure"))
        errors = sum(1 for _ in root.iter("error"))
    ok = run.returncode == 0 and failed_requests == 0 and failures == 0 and errors == 0
    print(f"schemathesis: {tested.group(1) if tested else '?'} operations tested, {cases.group(1) if cases else '?'} examples, "
          f"{failures} failures, {errors} errors, {failed_requests} server-logged request failures, {elapsed:.0f} s"
          f" ({'ok' if ok else 'FAILED'})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
