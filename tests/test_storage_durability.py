"""No data loss under fire: kill -9 during saves, concurrent writers, a full disk.

These start real processes (the store in a loop, or the CLI) against one file. They run in
the normal test command; only the longest are marked ``slow`` (``-m "not slow"`` skips those
two, never the whole file)."""

from __future__ import annotations

import json
import os
import random
import resource
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import pytest
from tinydb import TinyDB

from triage_tui.storage import HistoryStore
from triage_tui.storage.demo import demo_assessments
from triage_tui.storage.jsonfile import temp_pattern

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)

WRITER = r"""
import os, sys, time
from datetime import datetime, timedelta, timezone
from triage_tui.domain.engine import assess
from triage_tui.domain.models import Draft, Scores
from triage_tui.storage import HistoryStore

path, tag, count, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
store = HistoryStore(path)
base = datetime(2026, 11, 21, tzinfo=timezone.utc)
print("ready", flush=True)
while go != "-" and not os.path.exists(go):
    time.sleep(0.002)
i = 0
while count < 0 or i < count:
    draft = Draft(account=f"{tag}-{i}", scores=Scores(customer_impact=1 + i % 5, time_sensitivity=3))
    a = store.add(assess(draft, now=base + timedelta(seconds=i)))
    print(a.id, a.account, flush=True)
    if i % 3 == 2:
        store.resolve(a.id, 4, "done", now=base + timedelta(seconds=i, milliseconds=1))
    i += 1
"""


def start_writer(path: Path, tag: str, count: int = -1, go: str = "-") -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), tag, str(count), go],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.stderr else ""
    return proc


def accounts_on_disk(path: Path) -> dict[int, str]:
    """What TinyDB itself reads from the file (fails if the file does not parse)."""
    json.loads(path.read_bytes())
    db = TinyDB(path)
    try:
        return {doc.doc_id: doc["account"] for doc in db.all()}
    finally:
        db.close()


@pytest.mark.slow  # up to 40 writer processes killed mid-save
def test_kill_9_during_saves_never_breaks_the_file_or_loses_records(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    store = HistoryStore(path)
    store.add_many(demo_assessments(1500, NOW, 5))  # a file big enough that writes take time
    committed = accounts_on_disk(path)
    rng = random.Random(11)
    kills = mid_write = 0
    deadline = time.monotonic() + 5
    for round_no in range(40):
        if round_no >= 10 and time.monotonic() > deadline:
            break
        proc = start_writer(path, f"r{round_no}")
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        kills += 1
        mid_write += bool(list(tmp_path.glob(temp_pattern(path))))  # killed while writing
        acknowledged = {int(line.split()[0]): line.split()[1] for line in out.splitlines() if line}

        on_disk = accounts_on_disk(path)  # parses: old or new file, never a broken one
        for doc_id, account in {**committed, **acknowledged}.items():
            assert on_disk.get(doc_id) == account, f"round {round_no}: lost record #{doc_id}"
        committed = on_disk
        assert HistoryStore(path).check() == len(on_disk)
    assert kills >= 10
    print(f"{kills} kills, {mid_write} in the middle of writing a new file")
    assert len(committed) > 1500  # the writers did get records in
    # the next writer takes the lock, cleans up after the killed ones and carries on
    HistoryStore(path).add(demo_assessments(1, NOW, 9)[0])
    assert list(tmp_path.glob(temp_pattern(path))) == []
    assert len(accounts_on_disk(path)) == len(committed) + 1


@pytest.mark.slow  # three writer processes, 75 saves
def test_concurrent_writers_never_lose_each_others_records(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    go = tmp_path / "go"
    writers = [start_writer(path, tag, 25, str(go)) for tag in ("alpha", "beta", "gamma")]
    go.touch()
    for proc in writers:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    records = HistoryStore(path).all()
    assert len(records) == 75
    assert sorted(a.id for a in records) == list(range(1, 76))
    for tag in ("alpha", "beta", "gamma"):
        mine = [a for a in records if a.account.startswith(tag)]
        assert sorted(int(a.account.split("-")[1]) for a in mine) == list(range(25))
        assert sum(a.resolved_at is not None for a in mine) == 8


def _cli(db: Path, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "triage_tui", "--db", str(db), *args],
        capture_output=True, text=True, **kwargs,  # type: ignore[call-overload]
    )


def test_concurrent_cli_saves_all_land(tmp_path: Path) -> None:
    db = tmp_path / "history.json"

    def save(n: int) -> int:
        result = _cli(db, "assess", "--account", f"cli-{n}", "--impact", "3", "--value", "3",
                      "--time", "3", "--capability", "3", "--type", "product-defect",
                      "--save", "--json")
        assert result.returncode == 0, result.stderr
        return int(json.loads(result.stdout)["id"])

    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = list(pool.map(save, range(8)))
    assert sorted(ids) == list(range(1, 9))
    assert sorted(accounts_on_disk(db).values()) == sorted(f"cli-{n}" for n in range(8))


def test_a_full_disk_leaves_the_previous_file_intact_and_says_so(tmp_path: Path) -> None:
    db = tmp_path / "history.json"
    HistoryStore(db).add_many(demo_assessments(20, NOW, 2))
    before = db.read_bytes()
    limit = len(before) + 100  # the new file cannot be written in full

    def no_room() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = _cli(db, "assess", "--account", "Overflow", "--impact", "5", "--value", "5",
                  "--time", "5", "--capability", "5", "--type", "service-failure",
                  "--situation", "x" * 500, "--save", preexec_fn=no_room)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(db) in lines[0] and "unchanged" in lines[0]
    assert "Traceback" not in result.stderr
    assert db.read_bytes() == before
    assert list(tmp_path.glob(temp_pattern(db))) == []
    assert len(HistoryStore(db).all()) == 20
