#!/usr/bin/env python3
"""Acknowledged writes survive SIGKILL (issue 10).

What it measures: for each trial, 8 writers post exchanges to a real `qiaolian serve`
as fast as they can; every 200 answer is an acknowledged write, and its id is noted.
At a random moment 0.5-3 s into the burst the server gets SIGKILL - no shutdown, no
flush. The server is then started again on the same database and every exchange is
listed through the API: an acknowledged id that is missing is a lost write, and there
must be none. On SQLite the files as the kill left them are copied and checked with
`PRAGMA integrity_check` (and FTS5's own 'integrity-check'), and the database again
after the restarted server has stopped with SIGTERM. On PostgreSQL the checks are that
the server restarts and that every acknowledged id is there.

Why: a 200 tells the client its record is saved; if the process dies a moment later
(OOM killer, power to the container, kill -9 by an operator) the record must still be
there, and the database must open. The database is made once (the demo data is slow to
load) and reused by every trial; rows written by earlier trials just add up.

    python3 bench/durability.py                      # SQLite, 20 trials
    python3 bench/durability.py --engine postgres --trials 20

Standard library only; needs target/release/qiaolian (or QIAOLIAN_BIN).
"""

import argparse
import collections
import os
import random
import shutil
import sqlite3
import sys
import threading
import time

from common import Database, Server, log_lines, pick_orgs, request, workdir


def writer(port, token, orgs, trial, number, stop, acked, statuses):
    k = 0
    while not stop.is_set():
        k += 1
        body = {
            "happened_on": "2026-11-30",
            "kind": "visit",
            "from_org_id": orgs[0],
            "to_org_ids": [orgs[1]],
            "summary": f"SIGKILL trial {trial} writer {number} #{k}",
        }
        status, answer, _ = request(port, "POST", "/api/v1/exchanges", body, token, timeout=30)
        statuses[status] += 1  # None: no answer, the server died with the request in flight
        if status == 200:
            acked.append(answer["id"])
        elif status is None:
            time.sleep(0.01)


def all_exchanges(port, token):
    """id -> summary of every exchange, through the API."""
    found, page = {}, 1
    while True:
        status, body, _ = request(port, "GET", f"/api/v1/exchanges?per_page=500&page={page}",
                                  token=token)
        assert status == 200, (status, body)
        for item in body["items"]:
            found[item["id"]] = item["summary"]
        if not body["items"] or len(found) >= body["total"]:
            return found, body["total"]
        page += 1


def integrity(path, fts=True):
    """'ok' or the first problem SQLite reports."""
    con = sqlite3.connect(path)
    try:
        rows = [r[0] for r in con.execute("pragma integrity_check")]
        if rows != ["ok"]:
            return "; ".join(rows[:3])
        if fts:
            con.execute("insert into search_fts (search_fts) values ('integrity-check')")
        return "ok"
    except sqlite3.DatabaseError as e:
        return f"error: {e}"
    finally:
        con.close()


def crash_copy_integrity(db_path, folder):
    """Checks a copy of the database and its WAL as SIGKILL left them."""
    os.makedirs(folder, exist_ok=True)
    copy = os.path.join(folder, "crash.db")
    for suffix in ("", "-wal"):
        if os.path.exists(copy + suffix):
            os.remove(copy + suffix)
        if os.path.exists(db_path + suffix):
            shutil.copyfile(db_path + suffix, copy + suffix)
    wal = os.path.getsize(db_path + "-wal") if os.path.exists(db_path + "-wal") else 0
    return integrity(copy), wal


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--trials", type=int, default=20)
    p.add_argument("--writers", type=int, default=8)
    p.add_argument("--seed", type=int, default=10)
    p.add_argument("--keep", action="store_true", help="keep the work folder / database")
    args = p.parse_args()
    rng = random.Random(args.seed)
    work = workdir("qiaolian_durability_")
    log = os.path.join(work, "server.log")
    db = Database(args.engine, work, "durability")
    print(f"work folder {work}; server log {log}", file=sys.stderr)

    server = Server(db.url, log, demo=True)
    print(f"loading demo data: ready after {server.wait_ready():.1f} s", file=sys.stderr)
    token = server.sign_in()
    orgs = pick_orgs(server.port, token)
    server.wait_log("search index rebuilt")
    server.stop()

    rows, failures = [], 0
    for trial in range(1, args.trials + 1):
        server = Server(db.url, log)
        server.wait_ready()
        token = server.sign_in()
        _, before = all_exchanges(server.port, token)
        stop, acked, statuses = threading.Event(), [], collections.Counter()
        threads = [threading.Thread(target=writer, args=(server.port, token, orgs, trial, n,
                                                         stop, acked, statuses))
                   for n in range(args.writers)]
        kill_after = rng.uniform(0.5, 3.0)
        for t in threads:
            t.start()
        time.sleep(kill_after)
        server.kill()
        stop.set()
        for t in threads:
            t.join()

        crash, wal = ("-", 0)
        if args.engine == "sqlite":
            crash, wal = crash_copy_integrity(db.path, os.path.join(work, "copy"))

        start = time.monotonic()
        server = Server(db.url, log)
        server.wait_ready()
        token = server.sign_in()
        restart = time.monotonic() - start
        found, after = all_exchanges(server.port, token)
        acked_ids = set(acked)
        lost = sorted(acked_ids - set(found))
        marker = f"SIGKILL trial {trial} "
        unacked = sum(1 for i, s in found.items() if s.startswith(marker) and i not in acked_ids)
        code = server.stop()
        after_check = integrity(db.path) if args.engine == "sqlite" else "-"
        other = {str(k): v for k, v in statuses.items() if k not in (200, None)}
        rows.append(dict(trial=trial, kill=kill_after, acked=len(acked), lost=len(lost),
                         unanswered=statuses[None], unacked=unacked, other=other, crash=crash,
                         after=after_check))
        bad = lost or crash not in ("ok", "-") or after_check not in ("ok", "-")
        failures += bool(bad)
        print(f"trial {trial}: kill at {kill_after:.2f} s, acked {len(acked)}, lost {len(lost)}"
              f"{' ' + str(lost[:10]) if lost else ''}, no answer {statuses[None]}, committed unacked {unacked},"
              f" new rows {after - before}, other answers {other},"
              f" crash copy {crash} (wal {wal} B), after restart {after_check}, restart {restart:.1f} s,"
              f" exit after SIGTERM {code}",
              file=sys.stderr)

    print(f"\n### Durability under SIGKILL ({args.engine}, {args.writers} writers, seed {args.seed})\n")
    print("| trial | kill after s | acknowledged | lost | no answer | committed, not acknowledged | other answers | integrity (crash copy) | integrity (after restart) |")
    print("|---:|---:|---:|---:|---:|---:|---|---|---|")
    for r in rows:
        other = ", ".join(f"{k}: {v}" for k, v in sorted(r["other"].items())) or "none"
        print(f"| {r['trial']} | {r['kill']:.2f} | {r['acked']} | {r['lost']} | {r['unanswered']} | {r['unacked']} | {other} | {r['crash']} | {r['after']} |")
    total_acked = sum(r["acked"] for r in rows)
    total_lost = sum(r["lost"] for r in rows)
    burst = sum(r["kill"] for r in rows)
    print(f"\n**{len(rows)} trials, {total_acked} acknowledged writes ({total_acked / burst:.0f} a second"
          f" during the bursts), {total_lost} lost, {failures} trials with a problem.**")
    warnings = log_lines(log)
    if warnings:
        print(f"\nServer log lines with WARN/ERROR ({len(warnings)}):", file=sys.stderr)
        for line in warnings[-30:]:
            print("  " + line, file=sys.stderr)
    if not args.keep:
        db.drop()
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
