"""Team server at two sizes: 1 000 and 100 000 escalations (10 events each, 50 CSMs in
one team and its lead), on a throwaway PostgreSQL started from the system binaries.

    python benchmarks/bench_team_pg.py [--sizes 1000,100000] [--reps 30]

Loads each database with COPY as the admin, then times, through TeamStore as a CSM and as
the lead: history --limit 20 (query), a save (add), count, and the last 30 days of documents
(the review's read). Prints medians and the ratio of the big size to the small one.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import orjson
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from pg_server import PgServer, find_bindir  # noqa: E402

from triage_tui.storage.demo import demo_assessments  # noqa: E402
from triage_tui.storage.store import stored_doc  # noqa: E402
from triage_tui.storage.team import TeamStore, add_member, init_team  # noqa: E402
from triage_tui.storage.team.store import initial_status  # noqa: E402

CSMS = 50
EVENTS = 10
KINDS = ("note", "update", "acknowledged", "update", "note", "update", "note", "update", "note")


def load(admin_url: str, n: int) -> None:
    init_team(admin_url)
    for i in range(CSMS):
        add_member(admin_url, f"csm{i:02d}", "T", password="pw")
    add_member(admin_url, "lead", "T", lead=True, password="pw")
    base = demo_assessments(1000)
    newest = max(a.created_at for a in base)
    t0 = time.perf_counter()
    with psycopg.connect(admin_url) as conn, conn.cursor() as cur:
        with cur.copy("COPY triage.escalations (owner, team, account, created_at, decision, "
                      "total, issue_type, status, version, doc) FROM STDIN") as copy:
            for i in range(n):
                a = base[i % len(base)]
                # spread over time, oldest first, the newest near the demo's newest
                at = newest - timedelta(minutes=(n - i) * 5)
                doc = stored_doc(dataclasses.replace(a, created_at=at), 0)
                del doc["id"]
                copy.write_row((f"csm{i % CSMS:02d}", "T", a.account, at, doc["decision"],
                                doc["total"], doc["issue_type"], initial_status(a), EVENTS,
                                orjson.dumps(doc).decode()))
        with cur.copy("COPY triage.events (escalation_id, owner, team, at, kind, text, data) "
                      "FROM STDIN") as copy:
            for i in range(n):
                at = newest - timedelta(minutes=(n - i) * 5)
                owner = f"csm{i % CSMS:02d}"
                copy.write_row((i + 1, owner, "T", at, "created", "", "{}"))
                for k, kind in enumerate(KINDS):
                    copy.write_row((i + 1, owner, "T", at + timedelta(hours=k + 1), kind,
                                    f"event {k}", "{}"))
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE triage.escalations")
        cur.execute("VACUUM ANALYZE triage.events")
    print(f"  loaded {n} escalations + {n * EVENTS} events in {time.perf_counter() - t0:.1f} s",
          flush=True)


def timed(fn, reps: int) -> float:  # noqa: ANN001
    fn()  # warm
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def measure(server: PgServer, db: str, reps: int) -> dict[str, float]:
    out = {}
    extra = demo_assessments(1)[0]
    with TeamStore(server.url("csm07", "pw", db)) as csm, \
            TeamStore(server.url("lead", "pw", db)) as lead:
        since = max(a.created_at for a in csm.query(limit=1)) - timedelta(days=30)
        out["csm history --limit 20"] = timed(lambda: csm.query(limit=20), reps)
        out["lead history --limit 20"] = timed(lambda: lead.query(limit=20), reps)
        out["csm history --limit 20 --decision"] = timed(
            lambda: csm.query(decision="escalate-with-urgency", limit=20), reps)
        out["csm save (add + created event)"] = timed(lambda: csm.add(extra), reps)
        out["csm get + events"] = timed(lambda: (csm.get(1 + 7), csm.events(1 + 7)), reps)
        out["csm count"] = timed(csm.count, reps)
        out["lead count"] = timed(lead.count, max(3, reps // 5))
        out["csm documents last 30 days"] = timed(lambda: csm.documents(since=since), reps)
        out["lead documents last 30 days"] = timed(
            lambda: lead.documents(since=since, with_owner=True), max(3, reps // 5))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--reps", type=int, default=30)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    bindir = find_bindir()
    if bindir is None:
        sys.exit("no PostgreSQL binaries")
    server = PgServer(bindir, Path(tempfile.mkdtemp(prefix="triage-pg-bench-")))
    server.start()
    try:
        results = {}
        for n in sizes:
            db = f"bench_{n}"
            with psycopg.connect(server.admin_url(), autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {db}")
            print(f"size {n}:", flush=True)
            load(server.admin_url(db), n)
            results[n] = measure(server, db, args.reps)
        small, big = sizes[0], sizes[-1]
        print(f"\n{'operation':40} {small:>10} {big:>10}  ratio   (medians, ms; PostgreSQL "
              f"{server.version.split()[0]})")
        for name in results[small]:
            a, b = results[small][name] * 1e3, results[big][name] * 1e3
            print(f"{name:40} {a:10.2f} {b:10.2f}  {b / a:5.2f}x")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
