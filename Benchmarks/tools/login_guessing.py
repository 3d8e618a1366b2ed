#!/usr/bin/env python3
"""Password guessing against one account, and whether an answer's timing tells which accounts exist.

    python3 Benchmarks/tools/login_guessing.py --server .build/release/ingest [--guesses 100] [--out F.json]

1. GUESSES wrong passwords in a row for the administrator, one after another, over POST /v1/sessions,
   then as many over HTTP Basic: how many were checked (401) and how many held back (429), how long it took,
   and the Retry-After of the last answer.
2. On a fresh server: the time of a wrong password for existing accounts against unknown emails,
   alternating, under the per-account and per-address allowances; medians in milliseconds.
"""

import argparse
import base64
import statistics
import time

import loadkit


def guess_in_a_row(server, guesses):
    statuses, retry_after = [], None
    started = time.monotonic()
    for _ in range(guesses):
        answer = loadkit.request(server.port, "POST", "/v1/sessions", {"email": loadkit.EMAIL, "password": "wrong guess, again"})
        statuses.append(answer.status)
        retry_after = next((v for k, v in answer.headers.items() if k.lower() == "retry-after"), None)
    elapsed = time.monotonic() - started
    basic = base64.b64encode(f"{loadkit.EMAIL}:another wrong guess".encode()).decode()
    basic_statuses = [loadkit.request(server.port, "GET", "/v1/projects", headers={"Authorization": f"Basic {basic}"}).status
                      for _ in range(guesses)]
    return {"session_guesses": guesses, "checked_401": statuses.count(401), "held_429": statuses.count(429),
            "seconds": round(elapsed, 2), "guesses_per_second": round(guesses / elapsed, 1), "last_retry_after": retry_after,
            "basic_checked_401": basic_statuses.count(401), "basic_held_429": basic_statuses.count(429)}


def timing(server, token):
    """Known and unknown emails alternate (so drift on the machine falls on both), after one warm-up each;
    12 of each stays under the per-account (5) and per-address (30) allowances."""
    known = []
    for n in range(3):
        email = f"person{n}@example.org"
        loadkit.expect(loadkit.request(server.port, "POST", "/v1/users", {"email": email, "password": "a long passphrase here"},
                                       token=token), "create a user")
        known.append(email)

    def measure(email):
        started = time.monotonic()
        answer = loadkit.request(server.port, "POST", "/v1/sessions", {"email": email, "password": "not this one at all"})
        assert answer.status == 401, answer.status
        return (time.monotonic() - started) * 1000

    measure("warm-up@example.org")
    known_ms, unknown_ms = [], []
    for n in range(12):
        known_ms.append(measure(known[n % 3]))
        unknown_ms.append(measure(f"nobody{n}@example.org"))
    return {"known_email_median_ms": round(statistics.median(known_ms), 1),
            "unknown_email_median_ms": round(statistics.median(unknown_ms), 1),
            "known_ms": [round(x, 1) for x in known_ms], "unknown_ms": [round(x, 1) for x in unknown_ms]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True)
    parser.add_argument("--guesses", type=int, default=100)
    parser.add_argument("--out")
    options = parser.parse_args()
    result = {"server": options.server, "machine": loadkit.machine()}
    for part in ("guessing", "timing"):
        server = loadkit.Server(options.server)
        try:
            server.create_admin()
            server.start()
            token = server.login()
            result[part] = guess_in_a_row(server, options.guesses) if part == "guessing" else timing(server, token)
        finally:
            server.stop()
    print(result["guessing"])
    print({k: v for k, v in result["timing"].items() if k.endswith("median_ms")})
    if options.out:
        loadkit.write_json(options.out, result)


if __name__ == "__main__":
    loadkit.main_wrapper(main)
