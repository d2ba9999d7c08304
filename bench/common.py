"""Shared helpers for the scripts in bench/: start and stop a real `qiaolian serve`,
make a fresh SQLite or PostgreSQL database, and send JSON requests.

Standard library only. Each server's stdout and stderr go to a log file in the work
folder, so a 5xx or a failed start can be explained from the server's own lines.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("QIAOLIAN_BIN", os.path.join(ROOT, "target", "release", "qiaolian"))
PG_SERVER = os.environ.get("QIAOLIAN_TEST_PG", "postgres://postgres@127.0.0.1:5432")
ADMIN_PASSWORD = "bench-admin-password"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, token=None, timeout=60):
    """One request on its own connection. Returns (status, parsed body or None, seconds);
    status is None when the server gave no answer (refused, reset, timed out)."""
    headers = {"Content-Type": "application/json", "Connection": "close"}
    if token:
        headers["Authorization"] = "Bearer " + token
    data = json.dumps(body).encode() if body is not None else None
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        status = resp.status
    except (OSError, http.client.HTTPException):
        return None, None, time.perf_counter() - start
    finally:
        conn.close()
    elapsed = time.perf_counter() - start
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return status, parsed, elapsed


class Database:
    """A fresh database: a file in a temporary folder, or a new PostgreSQL database."""

    def __init__(self, engine, workdir, name, copy_of=None):
        """A new database; with `copy_of` (a stopped server's Database), a copy of it."""
        self.engine = engine
        self.name = name
        if engine == "sqlite":
            self.path = os.path.join(workdir, name + ".db")
            self.url = "sqlite://" + self.path
            if copy_of:
                shutil.copyfile(copy_of.path, self.path)  # the server checkpoints on stop
        else:
            self.pg_name = "qiaolian_bench_" + name
            self.drop()
            template = f" template {copy_of.pg_name}" if copy_of else ""
            psql("create database " + self.pg_name + template)
            self.url = PG_SERVER + "/" + self.pg_name

    def execute(self, sql):
        """Runs SQL on the database directly (the server must be stopped on SQLite)."""
        if self.engine == "sqlite":
            con = sqlite3.connect(self.path)
            con.executescript(sql)
            con.execute("pragma wal_checkpoint(truncate)")
            con.close()
        else:
            psql(sql, self.pg_name)

    def drop(self):
        if self.engine == "postgres":
            psql("drop database if exists " + self.pg_name + " with (force)")


def psql(sql, database="postgres"):
    host_part = PG_SERVER.split("://", 1)[1]
    user, host = host_part.split("@", 1)
    host, _, port = host.partition(":")
    subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", port or "5432", "-U", user,
         "-d", database, "-c", sql],
        check=True,
        stdout=subprocess.DEVNULL,
        env=dict(os.environ, PGOPTIONS="--client-min-messages=warning"),
    )


class Server:
    """A `qiaolian serve` process on a free port."""

    def __init__(self, db_url, log_path, demo=False):
        self.port = free_port()
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.log_start = self.log.tell()  # this server's lines begin here
        args = [BINARY, "--database-url", db_url, "serve", "--listen", f"127.0.0.1:{self.port}"]
        if demo:
            args.append("--demo")
        env = dict(os.environ, QIAOLIAN_ADMIN_PASSWORD=ADMIN_PASSWORD)
        self.started = time.monotonic()
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env)

    def wait_ready(self, limit=900):
        """Polls /readyz until it answers 200; returns the seconds since the start."""
        while time.monotonic() - self.started < limit:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log_path}")
            status, _, _ = request(self.port, "GET", "/readyz", timeout=5)
            if status == 200:
                return time.monotonic() - self.started
            time.sleep(0.05)
        raise RuntimeError(f"server not ready after {limit} s; see {self.log_path}")

    def sign_in(self, login="admin", password=ADMIN_PASSWORD, limit=120):
        """Signs in, retrying until it works; returns the token."""
        start = time.monotonic()
        while True:
            status, body, _ = request(self.port, "POST", "/api/v1/session",
                                      {"login": login, "password": password})
            if status == 200:
                return body["token"]
            if time.monotonic() - start > limit:
                raise RuntimeError(f"sign-in keeps failing ({status} {body}); see {self.log_path}")
            time.sleep(0.5)

    def has_logged(self, text):
        with open(self.log_path, "rb") as f:
            f.seek(self.log_start)
            return text.encode() in f.read()

    def wait_log(self, text, limit=900):
        """Waits until this server has logged a line containing `text`; returns the
        seconds since the start."""
        while time.monotonic() - self.started < limit:
            if self.has_logged(text):
                return time.monotonic() - self.started
            time.sleep(0.2)
        raise RuntimeError(f"no {text!r} in {self.log_path} after {limit} s")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.log.close()

    def stop(self):
        """SIGTERM, then wait for the graceful exit."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def pick_orgs(port, token):
    """Two different organization ids from the first page of the list."""
    status, body, _ = request(port, "GET", "/api/v1/orgs?per_page=50", token=token)
    assert status == 200, (status, body)
    ids = [o["id"] for o in body["items"]]
    assert len(ids) >= 2, body
    return ids[0], ids[1]


def percentile(values, p):
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def workdir(prefix):
    return tempfile.mkdtemp(prefix=prefix)


def log_lines(log_path, words=("WARN", "ERROR", "panicked")):
    """The lines of a server log that mention any of `words`."""
    try:
        with open(log_path, encoding="utf-8", errors="replace") as f:
            return [line.rstrip() for line in f if any(w in line for w in words)]
    except FileNotFoundError:
        return []
