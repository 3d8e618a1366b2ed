"""Shared pieces of manifest_load.py and upload_load.py (Python 3 standard library only).

A real `ingest serve` on a fresh database in a temporary folder, on a free loopback port; a small HTTP
client on http.client with a timeout on every request; a sampler of the server's resident memory from
/proc/PID/status; and a poller of GET /healthz that records its worst latency.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

TIMEOUT = 300  # seconds, for every single HTTP request (socket inactivity)
EMAIL = "load@example.org"
PASSWORD = "load measurement password 2026"  # 10-72 bytes, as the new user-create requires
OPENROSA = {"X-OpenRosa-Version": "1.0"}
REPO = Path(__file__).resolve().parents[2]


class LoadError(RuntimeError):
    """A failure worth a one-line message rather than a traceback."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mb(kib: int | None) -> float | None:
    return None if kib is None else round(kib / 1024, 1)


def install_signal_handlers():
    """SIGTERM and SIGHUP unwind like Ctrl-C, so every `finally` (server stop, temp dir removal) runs."""
    def handler(signum, _frame):
        raise SystemExit(128 + signum)
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, handler)


# ----------------------------------------------------------------------------------------- HTTP

class Answer:
    def __init__(self, status, headers, body, seconds):
        self.status, self.headers, self.body, self.seconds = status, headers, body, seconds

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError as e:
            raise LoadError(f"expected JSON, got {self.status}: {self.body[:300]!r}") from e

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


def request(port, method, path, body=None, headers=None, token=None, timeout=TIMEOUT) -> Answer:
    """One request on its own connection; the whole answer is read."""
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return Answer(response.status, dict(response.getheaders()), data, time.monotonic() - started)
    finally:
        connection.close()


def expect(answer: Answer, what: str, *statuses) -> Answer:
    if answer.status not in (statuses or (200,)):
        raise LoadError(f"{what}: HTTP {answer.status}: {answer.text[:500]}")
    return answer


# ----------------------------------------------------------------------------------------- server

class Server:
    """`ingest serve` on a fresh database in a temporary folder; stop() ends it and removes the folder."""

    def __init__(self, binary: str, serve_args=(), keep_dir=False):
        self.binary = str(Path(binary).resolve())
        if not os.access(self.binary, os.X_OK):
            raise LoadError(f"server binary not found or not executable: {binary}")
        self.keep_dir = keep_dir
        self.dir = Path(tempfile.mkdtemp(prefix="ingest-load-"))
        self.db = self.dir / "gateway.sqlite"
        self.log_path = self.dir / "server.log"
        self.process = None
        self.port = None
        # The server reads INGEST_* settings from the environment: start from none of them, for repeatable runs.
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("INGEST_")}
        self.serve_args = list(serve_args)

    def create_admin(self):
        helptext = subprocess.run([self.binary, "user-create", "--help"], capture_output=True, text=True,
                                  timeout=60, env=self.env)
        help_all = helptext.stdout + helptext.stderr
        command = [self.binary, "user-create", "--db", str(self.db), "--email", EMAIL, "--admin"]
        env = dict(self.env)
        if "--password " in help_all:  # the old binary: --password P
            command += ["--password", PASSWORD]
            self.password_via = "--password"
        else:  # the new one reads it from INGEST_PASSWORD (or stdin with --password-stdin)
            env["INGEST_PASSWORD"] = PASSWORD
            self.password_via = "INGEST_PASSWORD"
        created = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env,
                                 stdin=subprocess.DEVNULL)
        if created.returncode != 0:
            raise LoadError(f"user-create failed ({created.returncode}): {created.stdout}{created.stderr}")

    def start(self):
        self.port = free_port()
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [self.binary, "serve", "--db", str(self.db), "--host", "127.0.0.1", "--port", str(self.port),
             *self.serve_args],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=self.env)
        deadline = time.monotonic() + 120
        while True:
            if self.process.poll() is not None:
                raise LoadError(f"server exited at start ({self.process.returncode}):\n{self.log_tail()}")
            try:
                if request(self.port, "GET", "/healthz", timeout=2).status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            if time.monotonic() > deadline:
                raise LoadError(f"/healthz not 200 within 120 s:\n{self.log_tail()}")
            time.sleep(0.1)

    @property
    def pid(self):
        return self.process.pid

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def log_tail(self, n=3000):
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return "(no server log)"

    def check_alive(self, what):
        if not self.alive():
            raise LoadError(f"the server died during {what} (exit {self.process.returncode}):\n{self.log_tail()}")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        if self.process is not None and hasattr(self, "log"):
            self.log.close()
        if self.keep_dir:
            print(f"kept {self.dir}", file=sys.stderr)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def login(self) -> str:
        answer = expect(request(self.port, "POST", "/v1/sessions", {"email": EMAIL, "password": PASSWORD}), "login")
        return answer.json()["token"]


# ----------------------------------------------------------------------------------------- measuring

def proc_status(pid) -> dict:
    """VmRSS and VmHWM in KiB (None when the process is gone)."""
    values = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(rest.split()[0])
    except OSError:
        pass
    return values


def reset_peak(pid) -> bool:
    """Resets VmHWM to the current RSS (Linux >= 4.0, writing 5 to clear_refs); False if refused."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class Round:
    """While open: VmRSS sampled every 0.1 s, and GET /healthz every 0.25 s on its own connection."""

    def __init__(self, server: Server, health=True):
        self.server, self.health = server, health
        self._stop = threading.Event()
        self.rss_max_kib = 0
        self.rss_samples = 0
        self.health_latencies = []
        self.health_failures = []

    def __enter__(self):
        self.peak_reset = reset_peak(self.server.pid)
        start = proc_status(self.server.pid)
        self.rss_start_kib = start.get("VmRSS")
        self.hwm_start_kib = start.get("VmHWM")
        self._threads = [threading.Thread(target=self._sample, daemon=True)]
        if self.health:
            self._threads.append(threading.Thread(target=self._poll, daemon=True))
        for t in self._threads:
            t.start()
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc):
        self.seconds = time.monotonic() - self.started
        self._stop.set()
        for t in self._threads:
            t.join(timeout=TIMEOUT + 10)
        end = proc_status(self.server.pid)
        self.hwm_end_kib = end.get("VmHWM")
        self.rss_end_kib = end.get("VmRSS")
        return False

    def _sample(self):
        while not self._stop.is_set():
            rss = proc_status(self.server.pid).get("VmRSS")
            if rss is not None:
                self.rss_max_kib = max(self.rss_max_kib, rss)
                self.rss_samples += 1
            self._stop.wait(0.1)

    def _poll(self):
        while not self._stop.is_set():
            began = time.monotonic()
            try:
                answer = request(self.server.port, "GET", "/healthz")
                if answer.status != 200:
                    self.health_failures.append(f"HTTP {answer.status}")
            except (OSError, http.client.HTTPException) as e:
                self.health_failures.append(f"{type(e).__name__}: {e}")
            self.health_latencies.append(time.monotonic() - began)
            self._stop.wait(max(0.0, 0.25 - (time.monotonic() - began)))

    def summary(self) -> dict:
        hwm_valid = self.peak_reset or self.hwm_start_kib == self.hwm_end_kib
        out = {
            "peak_rss_mb": mb(self.hwm_end_kib) if self.peak_reset else mb(self.rss_max_kib),
            "peak_rss_source": "VmHWM (reset at round start)" if self.peak_reset else "max of VmRSS samples",
            "vmhwm_end_mb": mb(self.hwm_end_kib),
            "vmhwm_reset_at_start": self.peak_reset,
            "max_sampled_vmrss_mb": mb(self.rss_max_kib),
            "rss_start_mb": mb(self.rss_start_kib),
            "rss_end_mb": mb(self.rss_end_kib),
            "rss_samples": self.rss_samples,
        }
        if not hwm_valid:
            out["note"] = "VmHWM could not be reset: it is the process's peak since start"
        if self.health:
            lat = sorted(self.health_latencies)
            out["healthz"] = {
                "polls": len(lat),
                "worst_seconds": round(lat[-1], 4) if lat else None,
                "median_seconds": round(lat[len(lat) // 2], 4) if lat else None,
                "failures": self.health_failures[:20],
            }
        return out


def run_concurrently(count, work):
    """Runs work(i) on `count` threads released together; returns (wall seconds, [results])."""
    barrier = threading.Barrier(count + 1)
    results = [None] * count

    def body(i):
        barrier.wait()
        began = time.monotonic()
        try:
            results[i] = work(i)
        except Exception as e:  # recorded, not raised: one failure must not hide the others' figures
            results[i] = {"error": f"{type(e).__name__}: {e}"}
        results[i].setdefault("seconds", round(time.monotonic() - began, 4))

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    barrier.wait()
    began = time.monotonic()
    for t in threads:
        t.join()
    return time.monotonic() - began, results


def machine() -> dict:
    info = {"cpus": os.cpu_count()}
    try:
        with open("/proc/meminfo") as f:
            info["mem_total_mb"] = round(int(f.readline().split()[1]) / 1024)
    except OSError:
        pass
    try:
        info["load_average_at_start"] = os.getloadavg()
    except OSError:
        pass
    return info


def write_json(path, document):
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(document, indent=2) + "\n")
        print(f"wrote {path}")


def main_wrapper(main):
    install_signal_handlers()
    try:
        sys.exit(main())
    except LoadError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
