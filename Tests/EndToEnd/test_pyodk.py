"""End-to-end test: a real `ingest serve` driven by pyodk 1.3.0 and plain OpenRosa HTTP.

Run through run.sh, which sets INGEST_E2E_BIN (the server binary) and
INGEST_E2E_REPO (the repository root, for SampleForms/).

Every assertion is what a Central user or client would check; where the gateway
differs from ODK Central the test fails rather than adapting to the gateway.
"""

import os
import signal
import socket
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests
from pyodk._utils.session import Adapter
from pyodk.client import Client

REPO = Path(os.environ.get("INGEST_E2E_REPO", Path(__file__).resolve().parents[2]))
BIN = os.environ.get("INGEST_E2E_BIN", str(REPO / ".build/debug/ingest"))
XLS2XFORM = os.environ.get("INGEST_E2E_XLS2XFORM", str(REPO / ".build/pyxform-venv/bin/xls2xform"))
SAMPLES = REPO / "SampleForms"
XFORMS = SAMPLES / "xforms"
SUBS = SAMPLES / "submissions"

EMAIL = "e2e-admin@example.org"
PASSWORD = "correct horse battery staple e2e"
PROJECT_NAME = "End-to-end project"

OPENROSA = {"X-OpenRosa-Version": "1.0"}
OR_RESPONSE_NS = "{http://openrosa.org/http/response}"
XFORMS_LIST_NS = "{http://openrosa.org/xforms/xformsList}"
TIMEOUT = 15  # seconds, for every single HTTP request

SITE_IID = "uuid:55550000-0000-4000-8000-000000000001"
BEECH_IID = "uuid:11110000-0000-4000-8000-000000000002"
OAK_IID = "uuid:11110000-0000-4000-8000-000000000001"
OAK_EDITED_IID = "uuid:11110000-0000-4000-8000-0000000000e1"
PINE_IID = "uuid:11110000-0000-4000-8000-000000000003"


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _log_tail(path: Path, n: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return "(no server log)"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def server():
    """A fresh database with one administrator, and `ingest serve` on a free loopback port."""
    assert os.access(BIN, os.X_OK), f"ingest binary not executable: {BIN}"
    with tempfile.TemporaryDirectory(prefix="ingest-e2e-") as tmp:
        tmp = Path(tmp)
        db = tmp / "gateway.sqlite"
        created = subprocess.run(
            [BIN, "user-create", "--db", str(db), "--email", EMAIL, "--admin"],
            capture_output=True, text=True, timeout=30, env={**os.environ, "INGEST_PASSWORD": PASSWORD},
        )
        assert created.returncode == 0, f"user-create failed: {created.stdout}{created.stderr}"

        port = _free_loopback_port()
        base = f"http://127.0.0.1:{port}"
        log_path = tmp / "server.log"
        log = open(log_path, "wb")
        proc = subprocess.Popen(
            [BIN, "serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port), "--xlsform-converter", XLS2XFORM],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"server exited early ({proc.returncode}):\n{_log_tail(log_path)}")
                try:
                    if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"/healthz not 200 within 30 s:\n{_log_tail(log_path)}")
                time.sleep(0.1)
            yield {"base": base, "tmp": tmp, "log": log_path}
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
            log.close()


@pytest.fixture(scope="session")
def token(server):
    """A web-user session token obtained with a plain POST /v1/sessions."""
    r = requests.post(f"{server['base']}/v1/sessions",
                      json={"email": EMAIL, "password": PASSWORD}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    body = r.json()
    assert isinstance(body.get("token"), str) and body["token"]
    return body["token"]


@pytest.fixture(scope="session")
def auth(token):
    return {"Authorization": f"Bearer {token}"}


def _write_config(server, project_id=None) -> None:
    lines = [
        "[central]",
        f'base_url = "{server["base"]}"',
        f'username = "{EMAIL}"',
        f'password = "{PASSWORD}"',
    ]
    if project_id is not None:
        lines.append(f"default_project_id = {project_id}")
    (server["tmp"] / "pyodk_config.toml").write_text("\n".join(lines) + "\n")


def _client() -> Client:
    c = Client()  # reads PYODK_CONFIG_FILE / PYODK_CACHE_FILE
    # pyodk mounts its timeout adapter for https only; bound every request here too,
    # and do not retry 5xx (a server error must show up as such).
    c.session.mount("http://", Adapter(timeout=TIMEOUT, max_retries=0))
    return c


@pytest.fixture(scope="session")
def pyodk_env(server):
    saved = {k: os.environ.get(k) for k in ("PYODK_CONFIG_FILE", "PYODK_CACHE_FILE")}
    os.environ["PYODK_CONFIG_FILE"] = str(server["tmp"] / "pyodk_config.toml")
    os.environ["PYODK_CACHE_FILE"] = str(server["tmp"] / "pyodk_cache.toml")
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def project_id(server, pyodk_env):
    """Log in with pyodk (no default project yet) and create the project over HTTP."""
    _write_config(server)
    with _client() as bootstrap:  # open() logs in: POST sessions, token cached
        r = bootstrap.session.post("projects", json={"name": PROJECT_NAME}, timeout=TIMEOUT)
        assert r.status_code == 200, r.text
        pid = r.json()["id"]
    assert isinstance(pid, int)
    assert (server["tmp"] / "pyodk_cache.toml").exists(), "pyodk did not cache its token"
    _write_config(server, project_id=pid)
    return pid


@pytest.fixture(scope="session")
def client(project_id):
    """The pyodk client a user would make: config file with default_project_id, cached token."""
    c = _client().open()  # cached token -> GET users/current
    yield c
    c.close()


@pytest.fixture(scope="session")
def published(client):
    """Both forms published with pyodk's forms.create (create draft, then publish)."""
    return {
        fid: client.forms.create(definition=str(XFORMS / f"{fid}.xml"))
        for fid in ("site_photo", "trees_registration")
    }


@pytest.fixture(scope="session")
def api(server, project_id):
    return f"{server['base']}/v1/projects/{project_id}"


def _openrosa_post(url, xml: bytes, headers, media=()):
    files = [("xml_submission_file", ("submission.xml", xml, "text/xml"))]
    files += [(name, (name, data, "image/jpeg")) for name, data in media]
    return requests.post(url, files=files, headers={**OPENROSA, **headers}, timeout=TIMEOUT)


def _assert_openrosa_ok(r):
    assert r.status_code == 201, f"{r.status_code}: {r.text}"
    root = ET.fromstring(r.content)
    assert root.tag == f"{OR_RESPONSE_NS}OpenRosaResponse", r.text
    msg = root.find(f"{OR_RESPONSE_NS}message")
    assert msg is not None and msg.get("nature") != "error", r.text


# --------------------------------------------------------------------------- tests


def test_pyodk_logs_in_and_lists_projects(client, project_id):
    assert client.session.headers["Authorization"].startswith("Bearer ")
    projects = client.projects.list()
    assert [(p.id, p.name) for p in projects if p.id == project_id] == [(project_id, PROJECT_NAME)]
    assert client.projects.get().name == PROJECT_NAME  # default_project_id from the config
    me = client.session.get("users/current", timeout=TIMEOUT)
    assert me.status_code == 200 and me.json()["email"] == EMAIL


def test_pyodk_publishes_forms(client, published):
    for fid, created in published.items():
        assert created.xmlFormId == fid
        assert created.version == "1"

    listed = {f.xmlFormId: f for f in client.forms.list()}
    assert set(listed) >= {"site_photo", "trees_registration"}
    for fid in ("site_photo", "trees_registration"):
        form = client.forms.get(fid)
        assert form.xmlFormId == fid
        assert form.version == "1"
        assert form.state == "open"
        assert form.publishedAt is not None, "form is still a draft after forms.create"
        assert listed[fid].publishedAt is not None
    assert client.forms.get("site_photo").name == "Site photo"
    assert client.forms.get("trees_registration").name == "Tree registration"
    # The definition comes back exactly as uploaded.
    assert client.forms.get_xml("site_photo") == (XFORMS / "site_photo.xml").read_text()


def test_publishing_entity_form_creates_dataset(client, published):
    names = [d.name for d in client.entity_lists.list()]
    assert "trees" in names


def test_pyodk_submission_create_list_get_xml(client, published):
    xml = (SUBS / "trees_registration" / "reg-2-beech.xml").read_text()
    created = client.submissions.create(xml=xml, form_id="trees_registration")
    assert created.instanceId == BEECH_IID

    listed = client.submissions.list(form_id="trees_registration")
    assert BEECH_IID in [s.instanceId for s in listed]

    got = client.submissions.get(instance_id=BEECH_IID, form_id="trees_registration")
    assert got.instanceId == BEECH_IID
    assert got.reviewState is None  # Central: null until reviewed

    # pyodk has no submission-XML call; fetch it as a pyodk user would, through the session.
    url = client.session.urlformat(
        "projects/{pid}/forms/{fid}/submissions/{iid}.xml",
        pid=client.project_id, fid="trees_registration", iid=BEECH_IID,
    )
    r = client.session.get(url, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.content == xml.encode("utf-8")


def test_pyodk_review_sets_approved(client, published):
    if BEECH_IID not in [s.instanceId for s in client.submissions.list(form_id="trees_registration")]:
        client.submissions.create(
            xml=(SUBS / "trees_registration" / "reg-2-beech.xml").read_text(),
            form_id="trees_registration",
        )
    client.submissions.review(instance_id=BEECH_IID, review_state="approved",
                              form_id="trees_registration")
    assert client.submissions.get(instance_id=BEECH_IID, form_id="trees_registration").reviewState == "approved"
    listed = {s.instanceId: s for s in client.submissions.list(form_id="trees_registration")}
    assert listed[BEECH_IID].reviewState == "approved"


def test_pyodk_edit_creates_new_version(client, published):
    original = (SUBS / "trees_registration" / "reg-1-oak.xml").read_text()
    edited = (SUBS / "trees_registration" / "reg-1-oak-edited.xml").read_text()
    client.submissions.create(xml=original, form_id="trees_registration")

    client.submissions.edit(instance_id=OAK_IID, xml=edited, form_id="trees_registration")

    got = client.submissions.get(instance_id=OAK_IID, form_id="trees_registration")
    assert got.instanceId == OAK_IID  # the logical id stays the first instanceID
    assert got.reviewState == "edited"
    ids = [s.instanceId for s in client.submissions.list(form_id="trees_registration")]
    assert ids.count(OAK_IID) == 1 and OAK_EDITED_IID not in ids
    url = client.session.urlformat(
        "projects/{pid}/forms/{fid}/submissions/{iid}.xml",
        pid=client.project_id, fid="trees_registration", iid=OAK_IID,
    )
    r = client.session.get(url, timeout=TIMEOUT)
    assert r.status_code == 200 and r.content == edited.encode("utf-8")


def test_percent_encoded_instance_id_in_path(api, auth, published):
    """pyodk (and Central's web UI) percent-encode instance ids: uuid%3A... names the same submission."""
    iid = "uuid:55550000-0000-4000-8000-0000000000aa"
    xml = (SUBS / "site_photo" / "site-1.xml").read_bytes().replace(SITE_IID.encode(), iid.encode())
    r = requests.post(f"{api}/forms/site_photo/submissions", data=xml,
                      headers={**auth, "Content-Type": "application/xml"}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    base = f"{api}/forms/site_photo/submissions"
    encoded = iid.replace(":", "%3A")
    for suffix in ("", ".xml", "/attachments"):
        raw = requests.get(f"{base}/{iid}{suffix}", headers=auth, timeout=TIMEOUT)
        enc = requests.get(f"{base}/{encoded}{suffix}", headers=auth, timeout=TIMEOUT)
        assert raw.status_code == 200, f"GET .../{iid}{suffix}: {raw.status_code} {raw.text}"
        assert enc.status_code == 200, f"GET .../{encoded}{suffix}: {enc.status_code} {enc.text}"
        assert enc.content == raw.content


def test_openrosa_head_submission(api, auth, published):
    r = requests.head(f"{api}/submission", headers={**OPENROSA, **auth}, timeout=TIMEOUT)
    assert r.status_code == 204, r.text
    assert r.headers.get("X-OpenRosa-Version") == "1.0"
    assert r.headers.get("X-OpenRosa-Accept-Content-Length")


def test_openrosa_submission_with_attachment(api, auth, published):
    xml = (SUBS / "site_photo" / "site-1.xml").read_bytes()
    jpeg = (SUBS / "site_photo" / "tree.jpg").read_bytes()

    r = _openrosa_post(f"{api}/submission", xml, auth, media=[("tree.jpg", jpeg)])
    _assert_openrosa_ok(r)
    assert r.headers.get("X-OpenRosa-Version") == "1.0"

    sub = f"{api}/forms/site_photo/submissions/{SITE_IID}"  # ':' is legal in a path segment
    r = requests.get(f"{sub}/attachments", headers=auth, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.json() == [{"name": "tree.jpg", "exists": True}]

    r = requests.get(f"{sub}/attachments/tree.jpg", headers=auth, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.content == jpeg

    r = requests.get(f"{sub}.xml", headers=auth, timeout=TIMEOUT)
    assert r.status_code == 200 and r.content == xml

    # Collect retrying the very same submission: accepted again, nothing duplicated.
    r = _openrosa_post(f"{api}/submission", xml, auth, media=[("tree.jpg", jpeg)])
    _assert_openrosa_ok(r)
    r = requests.get(f"{api}/forms/site_photo/submissions", headers=auth, timeout=TIMEOUT)
    assert [s["instanceId"] for s in r.json()].count(SITE_IID) == 1

    # Same instanceID, different content: conflict.
    changed = xml.replace(b"Oak stand by the north gate", b"Oak stand by the south gate")
    assert changed != xml
    r = _openrosa_post(f"{api}/submission", changed, auth)
    assert r.status_code == 409, f"{r.status_code}: {r.text}"
    root = ET.fromstring(r.content)
    assert root.tag == f"{OR_RESPONSE_NS}OpenRosaResponse", r.text
    assert root.find(f"{OR_RESPONSE_NS}message").get("nature") == "error"
    # ... and the stored submission is unchanged.
    r = requests.get(f"{sub}.xml", headers=auth, timeout=TIMEOUT)
    assert r.content == xml


def test_app_user_formlist_submit_and_no_rest_reads(server, api, auth, project_id, published):
    r = requests.post(f"{api}/app-users", json={"displayName": "e2e collector"},
                      headers=auth, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    app_user = r.json()
    key, actor_id = app_user["token"], app_user["id"]
    assert isinstance(key, str) and key

    # Central shows an app user only the forms it is granted (what pyodk's create_app_users does).
    for fid in published:
        r = requests.post(f"{api}/forms/{fid}/assignments/app-user/{actor_id}",
                          headers=auth, timeout=TIMEOUT)
        assert r.status_code == 200 and r.json() == {"success": True}, r.text

    keyed = f"{server['base']}/v1/key/{key}/projects/{project_id}"
    r = requests.get(f"{keyed}/formList", headers=OPENROSA, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.headers.get("X-OpenRosa-Version") == "1.0"
    root = ET.fromstring(r.content)
    assert root.tag == f"{XFORMS_LIST_NS}xforms"
    forms = {x.findtext(f"{XFORMS_LIST_NS}formID"): x for x in root.findall(f"{XFORMS_LIST_NS}xform")}
    assert set(forms) == {"site_photo", "trees_registration"}
    site = forms["site_photo"]
    assert site.findtext(f"{XFORMS_LIST_NS}name") == "Site photo"
    assert site.findtext(f"{XFORMS_LIST_NS}version") == "1"
    download = site.findtext(f"{XFORMS_LIST_NS}downloadUrl")
    suffix = f"/v1/key/{key}/projects/{project_id}/forms/site_photo.xml"
    assert download.endswith(suffix), download
    r = requests.get(server["base"] + suffix, timeout=TIMEOUT)
    assert r.status_code == 200 and r.content == (XFORMS / "site_photo.xml").read_bytes()

    pine = (SUBS / "trees_registration" / "reg-3-pine.xml").read_bytes()
    r = _openrosa_post(f"{keyed}/submission", pine, {})
    _assert_openrosa_ok(r)

    got = requests.get(f"{api}/forms/trees_registration/submissions/{PINE_IID}",
                       headers=auth, timeout=TIMEOUT)
    assert got.status_code == 200, got.text
    assert got.json()["submitterId"] == actor_id

    r = requests.get(f"{keyed}/forms/trees_registration/submissions", timeout=TIMEOUT)
    assert r.status_code == 403, f"{r.status_code}: {r.text}"
    assert r.json().get("code") == 403.1


# --------------------------------------------------------------------------- entities


def test_submission_makes_an_entity_pyodk_can_list(client, published):
    # The registration submitted above (reg-2-beech) created its tree in the same request.
    listed = client.entities.list(entity_list_name="trees")
    beech = [e for e in listed if e.uuid == "e7000000-0000-4000-8000-000000000002"]
    assert len(beech) == 1
    assert beech[0].currentVersion.version == 1
    assert beech[0].currentVersion.userAgent  # pyodk requires a string here


def test_pyodk_entities_create_update_force_and_table(client, published):
    created = client.entities.create(
        label="Rowan", data={"species": "Sorbus aucuparia", "height": "4"}, entity_list_name="trees")
    assert created.currentVersion.version == 1
    assert created.currentVersion.label == "Rowan"

    updated = client.entities.update(
        created.uuid, entity_list_name="trees", label="Rowan tree", data={"height": "5"}, base_version=1)
    assert updated.currentVersion.version == 2
    assert updated.currentVersion.label == "Rowan tree"

    with pytest.raises(Exception):  # a stale base version is Central's 409.15
        client.entities.update(created.uuid, entity_list_name="trees", data={"height": "9"}, base_version=1)

    forced = client.entities.update(created.uuid, entity_list_name="trees", data={"height": "6"}, force=True)
    assert forced.currentVersion.version == 3
    assert forced.currentVersion.data["height"] == "6"
    assert forced.currentVersion.data["species"] == "Sorbus aucuparia"

    client.entities.create_many(
        data=[{"label": "Hazel", "height": "2"}, {"label": "Yew", "species": "Taxus"}], entity_list_name="trees")
    table = client.entities.get_table(entity_list_name="trees", count=True)
    rows = {row["label"]: row for row in table["value"]}
    assert rows["Rowan tree"]["height"] == "6"
    assert rows["Rowan tree"]["__system"]["version"] == 3
    assert {"Hazel", "Yew"} <= set(rows)
    assert table["@odata.count"] == len(table["value"])


def test_access_story_users_roles_app_users_revocation_closing_and_draft_testing(server, api, auth, client):
    """A project manager's campaign, end to end: a user made over the API is given a role and loses it;
    pyodk makes app users with forms; each phone submits; one lost phone is revoked; a form is closed;
    a draft is tested through /v1/test without an account."""
    base = server["base"]
    r = requests.post(f"{base}/v1/projects", json={"name": "Access story"}, headers=auth, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    pid = r.json()["id"]
    for fid in ("site_photo", "trees_registration"):
        client.forms.create(definition=str(XFORMS / f"{fid}.xml"), project_id=pid)

    # A user made over the API, given the viewer role and then losing it.
    r = requests.post(f"{base}/v1/users", json={"email": "viewer@example.org", "password": "a long enough passphrase"},
                      headers=auth, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    user_id = r.json()["id"]
    r = requests.post(f"{base}/v1/sessions", json={"email": "viewer@example.org", "password": "a long enough passphrase"},
                      timeout=TIMEOUT)
    viewer = {"Authorization": f"Bearer {r.json()['token']}"}
    assert requests.get(f"{base}/v1/projects/{pid}", headers=viewer, timeout=TIMEOUT).status_code == 403
    r = requests.post(f"{base}/v1/projects/{pid}/assignments/viewer/{user_id}", headers=auth, timeout=TIMEOUT)
    assert r.status_code == 200 and r.json() == {"success": True}, r.text
    assert requests.get(f"{base}/v1/projects/{pid}/forms/site_photo/submissions", headers=viewer,
                        timeout=TIMEOUT).status_code == 200
    r = requests.delete(f"{base}/v1/projects/{pid}/assignments/viewer/{user_id}", headers=auth, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert requests.get(f"{base}/v1/projects/{pid}", headers=viewer, timeout=TIMEOUT).status_code == 403

    # pyodk makes two app users, each given site_photo only.
    phones = client.projects.create_app_users(display_names=["Phone A", "Phone B"], forms=["site_photo"], project_id=pid)
    assert sorted(p.displayName for p in phones) == ["Phone A", "Phone B"]
    keys = {p.displayName: p.token for p in phones}
    for n, (name, key) in enumerate(sorted(keys.items()), start=1):
        keyed = f"{base}/v1/key/{key}/projects/{pid}"
        listed = ET.fromstring(requests.get(f"{keyed}/formList", headers=OPENROSA, timeout=TIMEOUT).content)
        assert [x.findtext(f"{XFORMS_LIST_NS}formID") for x in listed] == ["site_photo"], name
        xml = (SUBS / "site_photo" / "site-1.xml").read_bytes().replace(b"000000000001</instanceID>",
                                                                        f"00000000000{n}</instanceID>".encode())
        _assert_openrosa_ok(_openrosa_post(f"{keyed}/submission", xml, {}))
        unassigned = _openrosa_post(f"{keyed}/submission", (SUBS / "trees_registration" / "reg-3-pine.xml").read_bytes(), {})
        assert unassigned.status_code == 401, unassigned.text

    # Phone B is lost: its key is revoked and the phone is refused at once.
    r = requests.delete(f"{base}/v1/sessions/{keys['Phone B']}", headers=auth, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    lost = requests.get(f"{base}/v1/key/{keys['Phone B']}/projects/{pid}/formList", headers=OPENROSA, timeout=TIMEOUT)
    assert lost.status_code == 403
    assert ET.fromstring(lost.content).tag == f"{OR_RESPONSE_NS}OpenRosaResponse"
    listed = requests.get(f"{base}/v1/projects/{pid}/app-users", headers=auth, timeout=TIMEOUT).json()
    assert {u["displayName"]: u["token"] is None for u in listed} == {"Phone A": False, "Phone B": True}

    # The form is closed: Phone A's next submission is refused, nothing is stored.
    r = requests.patch(f"{base}/v1/projects/{pid}/forms/site_photo", json={"state": "closed"}, headers=auth, timeout=TIMEOUT)
    assert r.status_code == 200 and r.json()["state"] == "closed", r.text
    xml = (SUBS / "site_photo" / "site-1.xml").read_bytes().replace(b"000000000001</instanceID>", b"000000000009</instanceID>")
    closed = _openrosa_post(f"{base}/v1/key/{keys['Phone A']}/projects/{pid}/submission", xml, {})
    assert closed.status_code == 409 and b"not currently accepting submissions" in closed.content
    assert len(client.submissions.list(form_id="site_photo", project_id=pid)) == 2

    # A draft of trees_registration is tested from a phone with its draft token, no account.
    r = requests.post(f"{base}/v1/projects/{pid}/forms/trees_registration/draft", headers=auth, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    draft_token = requests.get(f"{base}/v1/projects/{pid}/forms/trees_registration/draft", headers=auth,
                               timeout=TIMEOUT).json()["draftToken"]
    test = f"{base}/v1/test/{draft_token}/projects/{pid}/forms/trees_registration/draft"
    listed = ET.fromstring(requests.get(f"{test}/formList", headers=OPENROSA, timeout=TIMEOUT).content)
    assert listed.find(f"{XFORMS_LIST_NS}xform").findtext(f"{XFORMS_LIST_NS}downloadUrl") == f"{test}.xml"
    assert requests.get(f"{test}.xml", timeout=TIMEOUT).content == (XFORMS / "trees_registration.xml").read_bytes()
    _assert_openrosa_ok(_openrosa_post(f"{test}/submission", (SUBS / "trees_registration" / "reg-3-pine.xml").read_bytes(), {}))
    tested = requests.get(f"{base}/v1/projects/{pid}/forms/trees_registration/draft/submissions", headers=auth,
                          timeout=TIMEOUT).json()
    assert len(tested) == 1
    assert client.submissions.list(form_id="trees_registration", project_id=pid) == []
    r = requests.post(f"{base}/v1/projects/{pid}/forms/trees_registration/draft/publish?version=2", headers=auth,
                      timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    gone = requests.get(f"{test}/formList", headers=OPENROSA, timeout=TIMEOUT)
    assert gone.status_code == 404 and b"draft testing endpoint" in gone.content


def test_an_xlsform_uploaded_with_pyodk_is_converted_and_published(server, client, auth, tmp_path):
    """Forms are made as XLSForms: pyodk uploads one, the gateway converts it with pyxform as Central does."""
    import openpyxl  # run.sh installs it: making the spreadsheet is the test's own job
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    for row in (["type", "name", "label"], ["text", "tree", "Tree"], ["integer", "height", "Height"]):
        survey.append(row)
    settings = book.create_sheet("settings")
    settings.append(["form_title", "version"])
    settings.append(["Tree count", "7"])
    path = tmp_path / "tree_count.xlsx"
    book.save(path)

    form = client.forms.create(definition=str(path))
    assert form.xmlFormId == "tree_count" and form.name == "Tree count" and form.version == "7"
    r = requests.get(f"{server['base']}/v1/projects/{form.projectId}/forms/tree_count.xml",
                     headers=auth, timeout=TIMEOUT)
    root = ET.fromstring(r.content)
    assert root.find(".//{http://www.w3.org/2002/xforms}bind[@nodeset='/data/height']").get("type") == "int"

    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a spreadsheet")
    r = requests.post(f"{server['base']}/v1/projects/{form.projectId}/forms", data=broken.read_bytes(),
                      headers={**auth, "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
                      timeout=TIMEOUT)
    assert r.status_code == 400 and r.json()["code"] == 400.15, r.text


def test_data_out_with_pyodk_odata_comments_entity_filters_and_csv(client, api, auth):
    """An analyst's day-end: the table of submissions and of their repeats, a filter, comments, the CSV export."""
    import csv
    import io

    client.forms.create(definition=str(XFORMS / "households_repeat.xml"))
    template = (SUBS / "households_repeat" / "household-1.xml").read_text()
    for n in (1, 2, 3):
        xml = template.replace("uuid:44440000-0000-4000-8000-000000000001", f"uuid:house-{n}")
        xml = xml.replace("Kamau household", f"household {n}")
        for m in (1, 2, 3):
            xml = xml.replace(f"9e000000-0000-4000-8000-00000000000{m}", f"9e000000-0000-4000-8000-0000000{n}000{m}")
        client.submissions.create(xml=xml, form_id="households_repeat")

    table = client.submissions.get_table(form_id="households_repeat", expand="*", count=True)
    assert table["@odata.count"] == 3
    assert [row["__id"] for row in table["value"]] == ["uuid:house-3", "uuid:house-2", "uuid:house-1"]
    assert [m["name"] for m in table["value"][0]["members"]] == ["Amina Njeri", "Joseph Kamau", "Grace Wanjiru"]
    assert table["value"][0]["members"][0]["age"] == 41

    members = client.submissions.get_table(form_id="households_repeat", table_name="Submissions.members", top=4)
    assert len(members["value"]) == 4 and "@odata.nextLink" in members
    assert members["value"][0]["__Submissions-id"] == "uuid:house-3"

    client.submissions.review(instance_id="uuid:house-2", review_state="hasIssues", form_id="households_repeat",
                              comment="the ages look swapped")
    client.submissions.add_comment(instance_id="uuid:house-2", comment="checked with the enumerator", form_id="households_repeat")
    comments = client.submissions.list_comments(instance_id="uuid:house-2", form_id="households_repeat")
    assert [c.body for c in comments] == ["checked with the enumerator", "the ages look swapped"]

    flagged = client.submissions.get_table(form_id="households_repeat", filter="__system/reviewState eq 'hasIssues'")
    assert [row["__id"] for row in flagged["value"]] == ["uuid:house-2"]

    # pyodk sends spaces as '+': Central reads them as spaces, and so must we.
    conflicts = client.entities.get_table(entity_list_name="people", filter="__system/conflict ne null")
    assert conflicts["value"] == []
    people = client.entities.get_table(entity_list_name="people", select="__id, label", count=True)
    assert people["@odata.count"] == 9
    assert set(people["value"][0].keys()) == {"__id", "label"}

    r = requests.get(f"{api}/forms/households_repeat/submissions.csv", headers=auth, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][0] == "SubmissionDate" and rows[0][-10:][0] == "KEY"
    assert [row[rows[0].index("KEY")] for row in rows[1:]] == ["uuid:house-3", "uuid:house-2", "uuid:house-1"]
    assert rows[2][rows[0].index("ReviewState")] == "hasIssues"
