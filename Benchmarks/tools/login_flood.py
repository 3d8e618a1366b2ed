#!/usr/bin/env python3
"""An administrator's API latency while many clients try passwords at once.

    python3 Benchmarks/tools/login_flood.py --server .build/release/ingest [--clients 32] [--seconds 15]

Measures GET /v1/projects with a bearer token: alone, then while CLIENTS threads post wrong passwords
to /v1/sessions as fast as they are answered. Prints medians and p90s, and the login attempts answered.
"""

import argparse
import statistics
import threading
import time

import loadkit


def latencies(port, token, seconds, stop_early=None):
    found = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        answer = loadkit.request(port, "GET", "/v1/projects", token=token)
        assert answer.status == 200, answer.status
        found.append(time.monotonic() - started)
        time.sleep(0.05)
    return found


def summary(values):
    ordered = sorted(values)
    return {"requests": len(ordered), "median_ms": round(statistics.median(ordered) * 1000, 1),
            "p90_ms": round(ordered[int(len(ordered) * 0.9)] * 1000, 1), "max_ms": round(ordered[-1] * 1000, 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--out")
    options = parser.parse_args()
    server = loadkit.Server(options.server)
    try:
        server.create_admin()
        server.start()
        token = server.login()
        quiet = summary(latencies(server.port, token, options.seconds / 3))
        stop = threading.Event()
        attempts = []

        def flood():
            while not stop.is_set():
                answer = loadkit.request(server.port, "POST", "/v1/sessions",
                                         {"email": loadkit.EMAIL, "password": "not the password at all"})
                attempts.append(answer.status)

        threads = [threading.Thread(target=flood, daemon=True) for _ in range(options.clients)]
        for thread in threads:
            thread.start()
        time.sleep(1)
        loaded = summary(latencies(server.port, token, options.seconds))
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        result = {"server": options.server, "clients": options.clients, "alone": quiet, "during_flood": loaded,
                  "login_attempts_answered": len(attempts), "attempt_statuses": sorted(set(attempts)),
                  "machine": loadkit.machine()}
        print(f"alone: median {quiet['median_ms']} ms, p90 {quiet['p90_ms']} ms; "
              f"with {options.clients} login clients: median {loaded['median_ms']} ms, p90 {loaded['p90_ms']} ms, "
              f"max {loaded['max_ms']} ms; {len(attempts)} wrong passwords answered {sorted(set(attempts))}")
        if options.out:
            loadkit.write_json(options.out, result)
    finally:
        server.stop()


if __name__ == "__main__":
    loadkit.main_wrapper(main)
