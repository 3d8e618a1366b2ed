#!/usr/bin/env python3
"""Concurrent OpenRosa manifests of a form that reads a large entity list, against a real `ingest serve`.

usage: manifest_load.py --server BIN [--entities 350000] [--concurrency 8] [--out FILE.json]

Starts BIN on a fresh database (temporary folder, free loopback port), creates an administrator, a
project, publishes SampleForms/xforms/trees_registration.xml (makes the dataset `trees`) and
trees_update.xml (reads it as trees.csv), bulk-creates N entities (10,000 a request), creates an app user
and then measures three rounds, each of C requests from that one app-user key released together:

  manifest_first   GET .../forms/trees_update/manifest right after the entities were written
  manifest_second  the same again with nothing changed (Collect asking again)
  csv_download     GET of the entity list's <downloadUrl> from the manifest

For each round: wall time, each request's time and status (and bytes), the worst latency of GET /healthz
polled every 0.25 s meanwhile, and the server's peak RSS (VmHWM, reset at the round's start; VmRSS is
also sampled every 0.1 s). Python 3 standard library only.
"""

import argparse
import hashlib
import http.client
import os
import sys
import time
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loadkit  # noqa: E402
from loadkit import LoadError, expect, request  # noqa: E402

MANIFEST_NS = "{http://openrosa.org/xforms/xformsManifest}"
BATCH = 10_000
XFORMS = loadkit.REPO / "SampleForms" / "xforms"

# Used only when SampleForms/ is not beside this script.
REGISTRATION_FALLBACK = """<?xml version="1.0"?><h:html xmlns="http://www.w3.org/2002/xforms" \
xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa" \
xmlns:odk="http://www.opendatakit.org/xforms" xmlns:entities="http://www.opendatakit.org/xforms/entities">\
<h:head><h:title>Tree registration</h:title><model odk:xforms-version="1.0.0" entities:entities-version="2024.1.0">\
<instance><data id="trees_registration" version="1"><species/><height/><circumference/>\
<meta><entity dataset="trees" create="1" id=""><label/></entity><instanceID/></meta></data></instance>\
<bind nodeset="/data/species" type="string" entities:saveto="species"/>\
<bind nodeset="/data/height" type="decimal" entities:saveto="height"/>\
<bind nodeset="/data/circumference" type="int" entities:saveto="circumference"/>\
<bind nodeset="/data/meta/entity/@id" readonly="true()" type="string"/>\
<setvalue ref="/data/meta/entity/@id" event="odk-instance-first-load" value="uuid()"/>\
<bind nodeset="/data/meta/entity/label" calculate="/data/species" readonly="true()" type="string"/>\
<bind nodeset="/data/meta/instanceID" type="string" readonly="true()" jr:preload="uid"/></model></h:head>\
<h:body><input ref="/data/species"><label>Species</label></input><input ref="/data/height"><label>Height</label>\
</input><input ref="/data/circumference"><label>Circumference</label></input></h:body></h:html>"""
UPDATE_FALLBACK = """<?xml version="1.0"?><h:html xmlns="http://www.w3.org/2002/xforms" \
xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa" \
xmlns:odk="http://www.opendatakit.org/xforms" xmlns:entities="http://www.opendatakit.org/xforms/entities">\
<h:head><h:title>Tree update</h:title><model odk:xforms-version="1.0.0" entities:entities-version="2024.1.0">\
<instance><data id="trees_update" version="1"><tree/><height/>\
<meta><entity dataset="trees" update="1" baseVersion="" id=""><label/></entity><instanceID/></meta></data></instance>\
<instance id="trees" src="jr://file-csv/trees.csv"/>\
<bind nodeset="/data/tree" type="string" required="true()"/>\
<bind nodeset="/data/height" type="decimal" entities:saveto="height"/>\
<bind nodeset="/data/meta/entity/@baseVersion" calculate="instance('trees')/root/item[name= /data/tree ]/__version" \
readonly="true()" type="string"/>\
<bind nodeset="/data/meta/entity/@id" readonly="true()" type="string" calculate=" /data/tree "/>\
<bind nodeset="/data/meta/entity/label" calculate="instance('trees')/root/item[name= /data/tree ]/label" \
readonly="true()" type="string"/>\
<bind nodeset="/data/meta/instanceID" type="string" readonly="true()" jr:preload="uid"/></model></h:head>\
<h:body><select1 ref="/data/tree"><label>Which tree?</label><itemset nodeset="instance('trees')/root/item">\
<value ref="name"/><label ref="label"/></itemset></select1><input ref="/data/height"><label>Height</label></input>\
</h:body></h:html>"""

SPECIES = ["Quercus robur", "Fagus sylvatica", "Pinus sylvestris", "Betula pendula", "Acer pseudoplatanus"]


def form_xml(name, fallback):
    path = XFORMS / f"{name}.xml"
    return path.read_bytes() if path.exists() else fallback.encode()


def entity_lists(manifest_xml: bytes):
    """[(filename, md5 hash, download path)] of the manifest's <mediaFile type="entityList">."""
    try:
        root = ET.fromstring(manifest_xml)
    except ET.ParseError as e:
        raise LoadError(f"manifest is not XML ({e}): {manifest_xml[:300]!r}") from e
    found = []
    for media in root.iter(f"{MANIFEST_NS}mediaFile"):
        if media.get("type") == "entityList":
            url = urlsplit(media.findtext(f"{MANIFEST_NS}downloadUrl") or "")
            found.append((media.findtext(f"{MANIFEST_NS}filename"), media.findtext(f"{MANIFEST_NS}hash"),
                          url.path + (f"?{url.query}" if url.query else "")))
    return found


def setup(server, entities, progress=True):
    timings = {}
    began = time.monotonic()
    token = server.login()
    project = expect(request(server.port, "POST", "/v1/projects", {"name": "Manifest load"}, token=token),
                     "create project").json()["id"]
    for name, fallback in (("trees_registration", REGISTRATION_FALLBACK), ("trees_update", UPDATE_FALLBACK)):
        expect(request(server.port, "POST", f"/v1/projects/{project}/forms?publish=true", form_xml(name, fallback),
                       {"Content-Type": "application/xml"}, token=token), f"publish {name}")
    app_user = expect(request(server.port, "POST", f"/v1/projects/{project}/app-users", {"displayName": "Phones"},
                              token=token), "create app user").json()
    for name in ("trees_registration", "trees_update"):
        expect(request(server.port, "POST",
                       f"/v1/projects/{project}/forms/{name}/assignments/app-user/{app_user['id']}", token=token),
               f"assign {name} to the app user")
    manifest_path = f"/v1/key/{app_user['token']}/projects/{project}/forms/trees_update/manifest"
    # Checked while the list is empty, so that the measured first round is the first manifest with data.
    check = expect(request(server.port, "GET", manifest_path, headers=loadkit.OPENROSA), "manifest check")
    lists = entity_lists(check.body)
    if not lists:
        raise LoadError(f"the manifest of trees_update has no <mediaFile type=\"entityList\">:\n{check.text}")
    timings["setup_seconds"] = round(time.monotonic() - began, 3)

    began = time.monotonic()
    created = 0
    while created < entities:
        batch = [{"label": f"Tree {n:07d}",
                  "data": {"species": SPECIES[n % len(SPECIES)], "height": str(5 + n % 30),
                           "circumference": str(40 + n % 200)}}
                 for n in range(created + 1, min(entities, created + BATCH) + 1)]
        expect(request(server.port, "POST", f"/v1/projects/{project}/datasets/trees/entities",
                       {"source": {"name": "load"}, "entities": batch}, token=token),
               f"bulk create entities {created + 1}-{created + len(batch)}")
        created += len(batch)
        if progress and (created % 50_000 == 0 or created == entities):
            print(f"  {created:,} entities created ({time.monotonic() - began:.1f} s)", flush=True)
    timings["bulk_create_seconds"] = round(time.monotonic() - began, 3)
    dataset = expect(request(server.port, "GET", f"/v1/projects/{project}/datasets/trees", token=token),
                     "read dataset").json()
    if dataset.get("entities") not in (None, entities):
        raise LoadError(f"the dataset counts {dataset.get('entities')} entities, expected {entities}")
    return {"project": project, "app_token": app_user["token"], "manifest_path": manifest_path,
            "entity_list": lists[0][0], "timings": timings, "dataset_entities": dataset.get("entities")}


def get_manifest(port, path, timeout):
    answer = request(port, "GET", path, headers=loadkit.OPENROSA, timeout=timeout)
    result = {"status": answer.status, "seconds": round(answer.seconds, 4), "bytes": len(answer.body)}
    if answer.status == 200:
        lists = entity_lists(answer.body)
        result["entity_list_in_manifest"] = bool(lists)
        if lists:
            result["_list"] = lists[0]
    else:
        result["body"] = answer.text[:300]
    return result


def download(port, path, timeout):
    """Reads the answer in 64 KiB chunks: the client keeps only a running MD5, size and line count."""
    began = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=loadkit.OPENROSA)
        response = connection.getresponse()
        first_byte = time.monotonic() - began
        md5, size, lines = hashlib.md5(), 0, 0
        while chunk := response.read(65536):
            md5.update(chunk)
            size += len(chunk)
            lines += chunk.count(b"\n")
        result = {"status": response.status, "seconds": round(time.monotonic() - began, 4),
                  "first_byte_seconds": round(first_byte, 4), "bytes": size, "newlines": lines,
                  "md5": md5.hexdigest()}
        if response.status != 200:
            result["body"] = "(error body)"
        return result
    finally:
        connection.close()


def summarize(name, wall, results, monitor):
    statuses = {}
    for r in results:
        key = str(r.get("status", "error"))
        statuses[key] = statuses.get(key, 0) + 1
    times = sorted(r["seconds"] for r in results)
    return {"name": name, "concurrency": len(results), "wall_seconds": round(wall, 3), "statuses": statuses,
            "slowest_seconds": times[-1], "fastest_seconds": times[0], **monitor.summary(), "requests": results}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", required=True, help="the ingest binary")
    parser.add_argument("--entities", type=int, default=350_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--out", help="write the figures as JSON here")
    parser.add_argument("--timeout", type=float, default=loadkit.TIMEOUT, help="seconds per request (default 300)")
    parser.add_argument("--serve-arg", action="append", default=[], help="extra argument for `ingest serve`")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, server log)")
    args = parser.parse_args()
    if args.entities < 1 or args.concurrency < 1:
        parser.error("--entities and --concurrency must be at least 1")

    machine_at_start = loadkit.machine()
    server = loadkit.Server(args.server, args.serve_arg, keep_dir=args.keep)
    try:
        server.create_admin()
        server.start()
        print(f"server pid {server.pid} on port {server.port}, database {server.db}")
        site = setup(server, args.entities)
        print(f"setup {site['timings']['setup_seconds']} s, {args.entities:,} entities in "
              f"{site['timings']['bulk_create_seconds']} s; RSS now "
              f"{loadkit.mb(loadkit.proc_status(server.pid).get('VmRSS'))} MB")
        rounds = []
        list_path = None
        for name in ("manifest_first", "manifest_second"):
            with loadkit.Round(server) as monitor:
                wall, results = loadkit.run_concurrently(
                    args.concurrency, lambda i: get_manifest(server.port, site["manifest_path"], args.timeout))
            server.check_alive(name)
            for r in results:
                if "_list" in r:
                    site["entity_list_hash"], list_path = r["_list"][1], r["_list"][2]
                r.pop("_list", None)
            rounds.append(summarize(name, wall, results, monitor))
            print_round(rounds[-1])
        if list_path is None:
            raise LoadError("no manifest answer named the entity list's downloadUrl: " + repr(rounds[-1]["requests"][:2]))
        site["entity_list_path"] = list_path
        with loadkit.Round(server) as monitor:
            wall, results = loadkit.run_concurrently(args.concurrency, lambda i: download(server.port, list_path,
                                                                                          args.timeout))
        server.check_alive("csv_download")
        expected = (site.get("entity_list_hash") or "").removeprefix("md5:")
        for r in results:
            if "md5" in r:
                r["md5_matches_manifest"] = r["md5"] == expected
                r["rows_besides_header"] = r["newlines"] - 1
        rounds.append(summarize("csv_download", wall, results, monitor))
        print_round(rounds[-1])
        document = {
            "tool": "manifest_load.py", "server": server.binary, "password_via": server.password_via,
            "entities": args.entities, "concurrency": args.concurrency, "timeout_seconds": args.timeout,
            "serve_args": args.serve_arg, "machine": machine_at_start,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started_at)),
            "site": {k: v for k, v in site.items() if k not in ("app_token", "manifest_path", "entity_list_path")},
            "server_rss_after_mb": loadkit.mb(loadkit.proc_status(server.pid).get("VmRSS")),
            "rounds": rounds,
        }
        loadkit.write_json(args.out, document)
        failed = [r["name"] for r in rounds if set(r["statuses"]) != {"200"}]
        if failed:
            print(f"warning: not every request answered 200 in {', '.join(failed)}", file=sys.stderr)
            return 2
        return 0
    finally:
        server.stop()


def print_round(r):
    sizes = sorted({x.get("bytes") for x in r["requests"] if x.get("bytes") is not None})
    health = r.get("healthz", {})
    extra = ""
    if r["name"] == "csv_download":
        ok = [x.get("md5_matches_manifest") for x in r["requests"] if "md5_matches_manifest" in x]
        extra = f", md5 = manifest hash: {sum(ok)}/{len(ok)}"
    print(f"{r['name']}: {r['concurrency']} requests in {r['wall_seconds']} s (slowest {r['slowest_seconds']} s, "
          f"fastest {r['fastest_seconds']} s), statuses {r['statuses']}, bytes {sizes[:3]}, worst /healthz "
          f"{health.get('worst_seconds')} s ({len(health.get('failures', []))} failed), peak RSS "
          f"{r['peak_rss_mb']} MB{extra}", flush=True)


started_at = time.time()

if __name__ == "__main__":
    loadkit.main_wrapper(main)
