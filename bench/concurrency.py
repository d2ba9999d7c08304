#!/usr/bin/env python3
"""Answers under concurrency (issue 10): what many clients at once get back.

What it measures, against a real `qiaolian serve` on a fresh database with the demo data:

  (a) editors: 16 clients read an organization's version and all PATCH it with that
      version at the same moment; exactly one must get 200 and fifteen 409 (conflict),
      none a 5xx or 'database is locked'. 20 rounds.
  (b) readers: 64 GET /api/v1/me from 16 threads with one token; statuses and latency
      (a token lookup is a read and must not queue behind writers).
  (c) sign-ins: 30 distinct accounts sign in at the same moment; statuses and latency
      (argon2 runs off the async workers; the token insert is a short write).
  (d) start-up: 5 times, a fresh database started with --demo (its search documents
      are rebuilt in the background once the server answers) - or, with
      --startup-tasks N, a copy of a demo database with N more tasks and stale search
      documents, so the rebuild runs for seconds; 8 sign-ins at the moment /readyz
      first answers; non-200 answers counted.

Why: before issue 10, SQLite writers raced for the lock and some answered 500
('database is locked'); a stale version must be refused with 409, never saved twice;
and a server that has just started must already accept sign-ins.

    python3 bench/concurrency.py                     # SQLite
    python3 bench/concurrency.py --engine postgres
    python3 bench/concurrency.py --startup-tasks 100000   # (d) with a long rebuild

Standard library only; needs target/release/qiaolian (or QIAOLIAN_BIN).
"""

import argparse
import collections
import os
import shutil
import sys
import threading

from common import ADMIN_PASSWORD, Database, Server, log_lines, percentile, pick_orgs, request, workdir


def together(n, work):
    """Runs work(i) in n threads released by one barrier; returns their results in order."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        barrier.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def counts(statuses):
    c = collections.Counter("no answer" if s is None else s for s in statuses)
    return ", ".join(f"{k}: {v}" for k, v in sorted(c.items(), key=str))


def ms(values):
    return f"{percentile(values, 50) * 1000:.0f} | {percentile(values, 99) * 1000:.0f} | {max(values) * 1000:.0f}"


def editors(port, token, org, rounds, clients):
    all_statuses, bad_rounds = [], 0
    for r in range(rounds):
        status, body, _ = request(port, "GET", f"/api/v1/orgs/{org}", token=token)
        assert status == 200, (status, body)
        patch = {"phone": f"023-1234{r:04d}", "version": body["version"]}
        out = together(clients, lambda i: request(port, "PATCH", f"/api/v1/orgs/{org}", patch, token))
        statuses = [s for s, _, _ in out]
        codes = {b["error"]["code"] for s, b, _ in out if s == 409 and b}
        all_statuses += statuses
        if statuses.count(200) != 1 or statuses.count(409) != clients - 1 or codes - {"conflict"}:
            bad_rounds += 1
            print(f"  round {r + 1}: {counts(statuses)} codes {codes}", file=sys.stderr)
    return all_statuses, bad_rounds


def readers(port, token, threads, total):
    per = total // threads
    out = together(threads, lambda i: [request(port, "GET", "/api/v1/me", token=token) for _ in range(per)])
    flat = [r for chunk in out for r in chunk]
    return [s for s, _, _ in flat], [t for _, _, t in flat]


def sign_ins(port, n):
    return together(n, lambda i: request(port, "POST", "/api/v1/session",
                                         {"login": f"clerk{i + 1:02d}",
                                          "password": f"clerk-password-{i + 1:02d}"}))


# Copies of a demo top-level task, so the start-up rebuild has work to do (the demo
# alone has about 800 search documents, rebuilt in well under a second).
PAD_TASKS = """
with recursive n(i) as (select 1 union all select i + 1 from n where i < {count})
insert into task (plan_id, area_id, parent_id, title, goal, standard, requirement, start_on,
    deadline, lead_org_id, assigner_org_id, responsible, weight, status, progress, colour,
    colour_until, last_report_on, carried_from_id, version, created_at, updated_at)
select t.plan_id, t.area_id, t.parent_id, t.title || ' 第' || n.i || '批', t.goal, t.standard,
    t.requirement, t.start_on, t.deadline, t.lead_org_id, t.assigner_org_id, t.responsible,
    t.weight, t.status, t.progress, t.colour, t.colour_until, t.last_report_on,
    t.carried_from_id, t.version, t.created_at, t.updated_at
from n join task t on t.id = (select min(id) from task where parent_id is null);
delete from meta where key = 'search_format';
"""


def padded_base(engine, work, tasks):
    """A stopped demo database with `tasks` more tasks and its search documents stale."""
    base = Database(engine, work, "base")
    server = Server(base.url, os.path.join(work, "base.log"), demo=True)
    server.wait_ready()
    server.wait_log("search index rebuilt")
    server.stop()
    base.execute(PAD_TASKS.format(count=tasks))
    return base


def startups(engine, work, starts, n, tasks):
    """Sign-ins the moment /readyz first answers after a start whose search documents
    must be rebuilt: a fresh --demo database, or (tasks > 0) a copy of a padded one."""
    base = padded_base(engine, work, tasks) if tasks else None
    rows = []
    for k in range(1, starts + 1):
        db = Database(engine, work, f"start{k}", copy_of=base)
        log = os.path.join(work, f"start{k}.log")
        server = Server(db.url, log, demo=base is None)
        ready = server.wait_ready()
        out = together(n, lambda i: request(server.port, "POST", "/api/v1/session",
                                            {"login": "admin", "password": ADMIN_PASSWORD}))
        rebuilding = not server.has_logged("search index rebuilt")
        rebuilt = server.wait_log("search index rebuilt")
        statuses, times = [s for s, _, _ in out], [t for _, _, t in out]
        rows.append((k, ready, statuses, times, rebuilding, rebuilt))
        print(f"  start {k}: ready after {ready:.1f} s, {counts(statuses)}, slowest "
              f"{max(times):.2f} s, rebuild still running: {rebuilding}, rebuilt after {rebuilt:.1f} s",
              file=sys.stderr)
        for line in log_lines(log):
            print("    " + line, file=sys.stderr)
        server.stop()
        db.drop()
    if base:
        base.drop()
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--starts", type=int, default=5)
    p.add_argument("--startup-tasks", type=int, default=0,
                   help="(d) on copies of a demo database with this many more tasks")
    p.add_argument("--keep", action="store_true", help="keep the work folder")
    args = p.parse_args()
    work = workdir("qiaolian_concurrency_")
    print(f"work folder {work}", file=sys.stderr)

    db = Database(args.engine, work, "concurrency")
    log = os.path.join(work, "server.log")
    server = Server(db.url, log, demo=True)
    print(f"demo data loaded, ready after {server.wait_ready():.1f} s", file=sys.stderr)
    token = server.sign_in()
    org, other = pick_orgs(server.port, token)
    # Measure a settled server: wait for the background rebuild of search documents.
    server.wait_log("search index rebuilt")

    print("(a) editors", file=sys.stderr)
    edit_statuses, bad_rounds = editors(server.port, token, org, args.rounds, 16)
    print("(b) readers", file=sys.stderr)
    read_statuses, read_times = readers(server.port, token, 16, 64)
    print("(c) sign-ins", file=sys.stderr)
    for i in range(1, 31):
        status, body, _ = request(server.port, "POST", "/api/v1/users", {
            "login": f"clerk{i:02d}", "display_name": f"办事员{i:02d}", "org_id": other,
            "role": "viewer", "password": f"clerk-password-{i:02d}"}, token)
        assert status == 200, (status, body)
    out = sign_ins(server.port, 30)
    sign_statuses, sign_times = [s for s, _, _ in out], [t for _, _, t in out]
    steady_log = log_lines(log)
    server.stop()
    db.drop()

    print("(d) sign-ins at start-up", file=sys.stderr)
    starts = startups(args.engine, work, args.starts, 8, args.startup_tasks)

    print(f"\n### Concurrency ({args.engine})\n")
    print("| test | requests | statuses | p50 ms | p99 ms | max ms |")
    print("|---|---:|---|---:|---:|---:|")
    print(f"| (a) 16 editors, same version, {args.rounds} rounds | {len(edit_statuses)} | "
          f"{counts(edit_statuses)} | | | |")
    print(f"| (b) GET /api/v1/me, 16 threads, one token | {len(read_statuses)} | "
          f"{counts(read_statuses)} | {ms(read_times)} |")
    print(f"| (c) 30 sign-ins of distinct accounts at once | {len(sign_statuses)} | "
          f"{counts(sign_statuses)} | {ms(sign_times)} |")
    all_start = [s for row in starts for s in row[2]]
    all_start_t = [t for row in starts for t in row[3]]
    what = f"+{args.startup_tasks} tasks" if args.startup_tasks else "fresh --demo"
    print(f"| (d) 8 sign-ins as /readyz first answers, {len(starts)} starts ({what}) | "
          f"{len(all_start)} | {counts(all_start)} | {ms(all_start_t)} |")
    print(f"\nEditor rounds not exactly one 200 and fifteen 409: {bad_rounds} of {args.rounds}.")
    print("\n| start | /readyz after s | sign-in statuses | slowest ms | rebuild still running after the sign-ins | rebuilt after s |")
    print("|---:|---:|---|---:|---|---:|")
    for k, ready, st, ts, rebuilding, rebuilt in starts:
        print(f"| {k} | {ready:.1f} | {counts(st)} | {max(ts) * 1000:.0f} | {'yes' if rebuilding else 'no'} | {rebuilt:.1f} |")
    if steady_log:
        print(f"\nServer log lines with WARN/ERROR ({len(steady_log)}):", file=sys.stderr)
        for line in steady_log[-30:]:
            print("  " + line, file=sys.stderr)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    failed = bad_rounds or any(s != 200 for s in read_statuses + sign_statuses + all_start)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
