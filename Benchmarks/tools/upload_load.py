#!/usr/bin/env python3
"""Concurrent large OpenRosa submissions (one big attachment each) against a real `ingest serve`.

usage: upload_load.py --server BIN [--size-mb 95] [--concurrency 12] [--out FILE.json]

Starts BIN on a fresh database (temporary folder, free loopback port), creates an administrator, a
project, a form with a binary field (/data/photo) and an app user. Then two rounds of OpenRosa
submissions, each a different instanceID carrying one attachment of SIZE MB (1 MB = 10^6 bytes; random
bytes, distinct per submission) named in the XML as <photo>NAME.jpg</photo>:

  single      one submission alone, for one upload's peak RSS
  concurrent  C submissions released together

The multipart bodies are streamed from one file of random bytes with a Content-Length, so the client holds
a megabyte per upload, not the whole body. A 503 is recorded with its Retry-After and retried after that
many seconds (1 s when absent) until every submission is stored; retries are counted. Recorded per round:
each attempt's status and time, total time, worst GET /healthz latency (polled every 0.25 s) and the
server's peak RSS (VmHWM, reset at the round's start). Afterwards one stored attachment of each round is
fetched through the REST API as the administrator and its size and SHA-256 are checked.
Python 3 standard library only.
"""

import argparse
import hashlib
import http.client
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loadkit  # noqa: E402
from loadkit import LoadError, expect, request  # noqa: E402

FORM_ID = "upload_load"
FORM = f"""<?xml version="1.0"?><h:html xmlns="http://www.w3.org/2002/xforms" \
xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa" \
xmlns:orx="http://openrosa.org/xforms" xmlns:odk="http://www.opendatakit.org/xforms">\
<h:head><h:title>Upload load</h:title><model odk:xforms-version="1.0.0">\
<instance><data id="{FORM_ID}" version="1"><note/><photo/><meta><instanceID/></meta></data></instance>\
<bind nodeset="/data/note" type="string"/>\
<bind nodeset="/data/photo" type="binary"/>\
<bind nodeset="/data/meta/instanceID" type="string" readonly="true()" jr:preload="uid"/></model></h:head>\
<h:body><input ref="/data/note"><label>Note</label></input>\
<upload ref="/data/photo" mediatype="image/*"><label>Photo</label></upload></h:body></h:html>"""
SUBMISSION = ('<data xmlns:orx="http://openrosa.org/xforms" id="' + FORM_ID + '" version="1">'
              "<note>upload {n}</note><photo>{name}</photo><meta><instanceID>{iid}</instanceID></meta></data>")
CHUNK = 1 << 20
PREFIX = 32  # bytes that make each attachment distinct (the rest comes from the shared random file)
SUCCESS = (200, 201, 202)


class Upload:
    """One submission: its instanceID, attachment name, and how its body is made."""

    def __init__(self, n, payload: Path, size: int):
        self.n = n
        self.iid = f"uuid:{uuid.uuid4()}"
        self.name = f"photo-{n:03d}.jpg"
        self.payload, self.size = payload, size
        self.prefix = hashlib.sha256(self.iid.encode()).digest()[:min(PREFIX, size)]
        self.boundary = f"ingestload{uuid.uuid4().hex}"
        xml = SUBMISSION.format(n=n, name=self.name, iid=self.iid).encode()
        self.head = (f"--{self.boundary}\r\n"
                     'Content-Disposition: form-data; name="xml_submission_file"; filename="submission.xml"\r\n'
                     "Content-Type: text/xml\r\n\r\n").encode() + xml + (
                    f"\r\n--{self.boundary}\r\n"
                    f'Content-Disposition: form-data; name="{self.name}"; filename="{self.name}"\r\n'
                    "Content-Type: image/jpeg\r\n\r\n").encode()
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.length = len(self.head) + size + len(self.tail)

    def chunks(self):
        """The attachment's bytes: the distinct prefix, then the shared random file up to `size`."""
        yield self.prefix
        left = self.size - len(self.prefix)
        with open(self.payload, "rb") as f:
            while left > 0:
                chunk = f.read(min(CHUNK, left))
                if not chunk:
                    raise LoadError("payload file shorter than --size-mb")
                left -= len(chunk)
                yield chunk

    def sha256(self):
        h = hashlib.sha256()
        for chunk in self.chunks():
            h.update(chunk)
        return h.hexdigest()


def post_once(port, path, upload: Upload, timeout):
    """One attempt: streams the body with a Content-Length; an answer given before the body was all read
    (the connection then closes under us) is still read and recorded."""
    began = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    sent, send_error = 0, None
    try:
        connection.putrequest("POST", path, skip_accept_encoding=True)
        connection.putheader("Content-Type", f"multipart/form-data; boundary={upload.boundary}")
        connection.putheader("Content-Length", str(upload.length))
        connection.putheader("X-OpenRosa-Version", "1.0")
        connection.endheaders()
        try:
            connection.send(upload.head)
            sent += len(upload.head)
            for chunk in upload.chunks():
                connection.send(chunk)
                sent += len(chunk)
            connection.send(upload.tail)
            sent += len(upload.tail)
        except (BrokenPipeError, ConnectionResetError) as e:
            send_error = f"{type(e).__name__} after {sent} bytes"
        sent_at = time.monotonic() - began
        try:
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as e:
            return {"status": None, "error": f"{type(e).__name__}: {e}" + (f" ({send_error})" if send_error else ""),
                    "seconds": round(time.monotonic() - began, 4), "sent_bytes": sent}
        attempt = {"status": response.status, "seconds": round(time.monotonic() - began, 4),
                   "body_sent_seconds": round(sent_at, 4), "sent_bytes": sent}
        if send_error:
            attempt["send_error"] = send_error
        if response.getheader("Retry-After") is not None:
            attempt["retry_after"] = response.getheader("Retry-After")
        if response.status not in SUCCESS:
            attempt["body"] = body.decode("utf-8", "replace")[:300]
        return attempt
    finally:
        connection.close()


def submit(port, path, upload: Upload, timeout, deadline):
    """Until stored: 503 waits Retry-After seconds; a dropped connection is tried again up to 3 times."""
    attempts, connection_errors = [], 0
    began = time.monotonic()
    while True:
        attempt = post_once(port, path, upload, timeout)
        attempts.append(attempt)
        status = attempt["status"]
        if status in SUCCESS:
            break
        if status == 503 or (status is None and connection_errors < 3):
            if status is None:
                connection_errors += 1
                wait = 1.0
            else:
                try:
                    wait = max(0.0, float(attempt.get("retry_after", "1")))
                except ValueError:
                    wait = 1.0
            if time.monotonic() + wait > deadline:
                attempt["gave_up"] = "round deadline"
                break
            time.sleep(wait)
            continue
        break
    return {"instance": upload.n, "instanceId": upload.iid, "attachment": upload.name,
            "status": attempts[-1]["status"], "stored": attempts[-1]["status"] in SUCCESS,
            "seconds": round(time.monotonic() - began, 4), "attempts": len(attempts),
            "retries_503": sum(1 for a in attempts[:-1] if a["status"] == 503),
            "connection_retries": connection_errors, "attempt_log": attempts}


def run_round(server, name, uploads, path, timeout, round_deadline):
    deadline = time.monotonic() + round_deadline
    with loadkit.Round(server) as monitor:
        wall, results = loadkit.run_concurrently(
            len(uploads), lambda i: submit(server.port, path, uploads[i], timeout, deadline))
    server.check_alive(name)
    statuses = {}
    for r in results:
        for a in r.get("attempt_log", [{"status": "error"}]):
            statuses[str(a["status"])] = statuses.get(str(a["status"]), 0) + 1
    summary = {"name": name, "concurrency": len(uploads), "wall_seconds": round(wall, 3),
               "stored": sum(1 for r in results if r.get("stored")),
               "attempt_statuses": statuses,
               "retries_503": sum(r.get("retries_503", 0) for r in results),
               "connection_retries": sum(r.get("connection_retries", 0) for r in results),
               "slowest_seconds": max(r["seconds"] for r in results),
               **monitor.summary(), "uploads": results}
    h = summary.get("healthz", {})
    print(f"{name}: {summary['stored']}/{len(uploads)} stored in {summary['wall_seconds']} s "
          f"(slowest {summary['slowest_seconds']} s), attempt statuses {statuses}, 503 retries "
          f"{summary['retries_503']}, peak RSS {summary['peak_rss_mb']} MB, worst /healthz {h.get('worst_seconds')} s",
          flush=True)
    return summary


def verify(server, token, project, upload: Upload, timeout):
    """Fetches the stored attachment as the administrator; compares size and SHA-256 with what was sent."""
    path = (f"/v1/projects/{project}/forms/{FORM_ID}/submissions/{quote(upload.iid, safe=':')}"
            f"/attachments/{quote(upload.name)}")
    began = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        h, size = hashlib.sha256(), 0
        while chunk := response.read(CHUNK):
            h.update(chunk)
            size += len(chunk)
    finally:
        connection.close()
    expected = upload.sha256()
    result = {"instanceId": upload.iid, "attachment": upload.name, "status": response.status, "bytes": size,
              "expected_bytes": upload.size, "sha256": h.hexdigest(), "expected_sha256": expected,
              "seconds": round(time.monotonic() - began, 3)}
    result["ok"] = response.status == 200 and size == upload.size and h.hexdigest() == expected
    print(f"verify {upload.name} of {upload.iid}: HTTP {response.status}, {size:,} bytes, sha256 "
          f"{'matches' if result['ok'] else 'DIFFERS or missing'}")
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", required=True, help="the ingest binary")
    parser.add_argument("--size-mb", type=float, default=95, help="attachment size in MB of 10^6 bytes (95)")
    parser.add_argument("--concurrency", type=int, default=12)
    parser.add_argument("--out", help="write the figures as JSON here")
    parser.add_argument("--timeout", type=float, default=loadkit.TIMEOUT, help="seconds per request (default 300)")
    parser.add_argument("--round-deadline", type=float, default=900,
                        help="stop retrying 503s in a round after this many seconds (900)")
    parser.add_argument("--serve-arg", action="append", default=[], help="extra argument for `ingest serve`")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, server log)")
    args = parser.parse_args()
    size = int(args.size_mb * 1_000_000)
    if size < 1 or args.concurrency < 1:
        parser.error("--size-mb and --concurrency must be positive")

    started_at = time.time()
    machine_at_start = loadkit.machine()
    server = loadkit.Server(args.server, args.serve_arg, keep_dir=args.keep)
    client_dir = Path(tempfile.mkdtemp(prefix="ingest-upload-payload-"))
    try:
        payload = client_dir / "random.bin"
        with open(payload, "wb") as f:
            left = size
            while left > 0:
                f.write(os.urandom(min(CHUNK, left)))
                left -= min(CHUNK, left)
        server.create_admin()
        server.start()
        print(f"server pid {server.pid} on port {server.port}, database {server.db}")
        token = server.login()
        project = expect(request(server.port, "POST", "/v1/projects", {"name": "Upload load"}, token=token),
                         "create project").json()["id"]
        expect(request(server.port, "POST", f"/v1/projects/{project}/forms?publish=true", FORM.encode(),
                       {"Content-Type": "application/xml"}, token=token), "publish the form")
        app_user = expect(request(server.port, "POST", f"/v1/projects/{project}/app-users",
                                  {"displayName": "Phones"}, token=token), "create app user").json()
        expect(request(server.port, "POST", f"/v1/projects/{project}/forms/{FORM_ID}/assignments/app-user/"
                       f"{app_user['id']}", token=token), "assign the form")
        path = f"/v1/key/{app_user['token']}/projects/{project}/submission"
        rss_idle = loadkit.mb(loadkit.proc_status(server.pid).get("VmRSS"))
        print(f"attachments of {size:,} bytes; server RSS idle {rss_idle} MB")

        single = [Upload(0, payload, size)]
        concurrent = [Upload(n, payload, size) for n in range(1, args.concurrency + 1)]
        rounds = [run_round(server, "single", single, path, args.timeout, args.round_deadline),
                  run_round(server, "concurrent", concurrent, path, args.timeout, args.round_deadline)]

        token = server.login()  # a fresh session: the first may have aged during long rounds
        listed = request(server.port, "GET", f"/v1/projects/{project}/forms/{FORM_ID}/submissions", token=token)
        stored_count = len(listed.json()) if listed.status == 200 else None
        checks = []
        for round_uploads, summary in ((single, rounds[0]), (concurrent, rounds[1])):
            stored = [u for u, r in zip(round_uploads, summary["uploads"]) if r.get("stored")]
            if stored:
                checks.append(verify(server, token, project, stored[0], args.timeout))
        document = {
            "tool": "upload_load.py", "server": server.binary, "password_via": server.password_via,
            "attachment_bytes": size, "size_mb": args.size_mb, "concurrency": args.concurrency,
            "multipart_body_bytes": single[0].length, "timeout_seconds": args.timeout,
            "serve_args": args.serve_arg, "machine": machine_at_start,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started_at)),
            "server_rss_idle_mb": rss_idle, "submissions_listed": stored_count,
            "rounds": rounds, "verified": checks,
        }
        loadkit.write_json(args.out, document)
        all_stored = all(r["stored"] == r["concurrency"] for r in rounds)
        if not all_stored or not checks or not all(c["ok"] for c in checks):
            print("warning: not every submission was stored, or an attachment did not verify", file=sys.stderr)
            return 2
        return 0
    finally:
        server.stop()
        shutil.rmtree(client_dir, ignore_errors=True)


if __name__ == "__main__":
    loadkit.main_wrapper(main)
