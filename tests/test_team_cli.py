"""The team server through the real entry point (``main(argv)`` with ``--db postgresql://…``),
against the throwaway PostgreSQL of tests/pg_server.py: set-up, what each member sees (in
the app and in plain SQL, as psql would), push, concurrency and one-line faults."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from pg_server import TeamDB, _free_port, pw_of

from triage_tui.cli import main
from triage_tui.domain.escalation import ack_event, update_event
from triage_tui.storage import HistoryStore
from triage_tui.storage.demo import demo_assessments
from triage_tui.storage.team import SCHEMA_VERSION, TeamStore

MEMBERS = (("alice", "A", False), ("bob", "A", False), ("lena", "A", True),
           ("carol", "B", False))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    return out


def one_line_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, out, err = run(capsys, *argv)
    assert code == 2, (out, err)
    assert err.startswith("triage: error: ") and err.count("\n") == 1, err
    return err


def save(capsys: pytest.CaptureFixture[str], url: str, account: str,
         scores: tuple[int, int, int, int] = (4, 4, 4, 3), kind: str = "product-defect") -> int:
    impact, value, time_, capability = map(str, scores)
    out = ok(capsys, "--db", url, "assess", "--account", account, "--impact", impact,
             "--value", value, "--time", time_, "--capability", capability, "--type", kind,
             "--ask", "a fix", "--comms", "daily", "--situation", "down", "--save", "--json")
    return json.loads(out)["id"]


@pytest.fixture
def team(team_db: TeamDB, capsys: pytest.CaptureFixture[str],
         monkeypatch: pytest.MonkeyPatch) -> TeamDB:
    """Set up through the CLI, as an admin would: team init, then team add for each."""
    admin = team_db.admin_url
    ok(capsys, "team", "init", "--admin", admin)
    for user, name, lead in MEMBERS:
        monkeypatch.setattr(sys, "stdin", io.StringIO(pw_of(user) + "\n"))
        ok(capsys, "team", "add", user, "--team", name, *(["--lead"] if lead else []),
           "--password-stdin", "--admin", admin)
    return team_db


def test_team_init_twice_changes_nothing_and_add_takes_an_existing_role(
        team_db: TeamDB, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    admin = team_db.admin_url
    assert "applied migration" in ok(capsys, "team", "init", "--admin", admin)
    assert "nothing to do" in ok(capsys, "team", "init", "--admin", admin)
    with psycopg.connect(admin, autocommit=True) as conn:  # a role made by a directory / SSO
        conn.execute("CREATE ROLE sso_dana LOGIN PASSWORD 'pw-sso_dana'")
    out = ok(capsys, "team", "add", "sso_dana", "--team", "A", "--admin", admin)
    assert out == "sso_dana (login role) is a CSM of team A\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO("pw-eve\n"))
    out = ok(capsys, "team", "add", "eve", "--team", "A", "--lead", "--password-stdin",
             "--admin", admin)
    assert out == "eve (created login role) is a lead of team A\n"
    for user in ("sso_dana", "eve"):  # both can use the app at once
        assert "no assessments yet" in ok(capsys, "--db", team_db.url(user), "history")


def test_each_member_sees_in_the_app_what_psql_shows_them(
        team: TeamDB, capsys: pytest.CaptureFixture[str]) -> None:
    saved: dict[str, list[int]] = {}
    for user, _, _ in MEMBERS:
        saved[user] = [save(capsys, team.url(user), f"{user.title()} Corp {n}") for n in range(2)]
    expected = {"alice": saved["alice"], "bob": saved["bob"], "carol": saved["carol"],
                "lena": saved["alice"] + saved["bob"] + saved["lena"]}
    for user, ids in expected.items():
        url = team.url(user)
        listed = json.loads(ok(capsys, "--db", url, "history", "--json"))
        assert sorted(a["id"] for a in listed) == sorted(ids), user
        with psycopg.connect(url) as conn:  # plain SQL as that user: the same rows
            rows = conn.execute("SELECT id, account FROM triage.escalations").fetchall()
            events = conn.execute("SELECT DISTINCT escalation_id FROM triage.events").fetchall()
        assert sorted(rows) == sorted((a["id"], a["account"]) for a in listed), user
        assert sorted(e for e, in events) == sorted(ids), user
    # the lead sees alice's escalation but cannot change it; carol does not even see it
    err = one_line_error(capsys, "--db", team.url("lena"), "resolve", str(saved["alice"][0]),
                         "--satisfaction", "4")
    assert f"belongs to alice" in err
    err = one_line_error(capsys, "--db", team.url("carol"), "show", str(saved["alice"][0]))
    assert f"no escalation #{saved['alice'][0]} that carol can see" in err
    # the text output names the server, never the password
    out = ok(capsys, "--db", team.url("lena"), "history", "--limit", "2")
    assert "lena@127.0.0.1" in out and pw_of("lena") not in out


def test_a_csm_saves_resolves_and_checks_in_through_the_cli(
        team: TeamDB, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    url = team.url("alice")
    monkeypatch.setenv("TRIAGE_DB", url)  # the URL from the environment works the same
    esc_id = save(capsys, url, "Initech", (5, 5, 4, 3))
    shown = json.loads(ok(capsys, "show", str(esc_id), "--json"))
    assert shown["account"] == "Initech" and shown["decision"] == "escalate-with-urgency"
    assert "resolved, satisfaction 4/5" in ok(capsys, "resolve", str(esc_id), "--satisfaction",
                                               "4", "--note", "patched")
    assert [a["id"] for a in json.loads(ok(capsys, "followups", "--json"))] == [esc_id]
    assert "check-in done" in ok(capsys, "checkin", str(esc_id))
    assert json.loads(ok(capsys, "followups", "--json")) == []
    with TeamStore(url) as store:
        assert [e.kind.value for e in store.escalation(esc_id).events] == \
            ["created", "resolved", "checked-in"]
        assert store.record(esc_id).status == "closed"


def test_push_twice_stores_nothing_twice(team: TeamDB, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    local = HistoryStore(tmp_path / "mine.json")
    items = local.add_many(demo_assessments(25))
    timelines = {a.id: [e.to_json() for e in local.escalation(a.id).events] for a in items}
    url = team.url("bob")
    out = ok(capsys, "--db", url, "push", "--from", str(tmp_path / "mine.json"))
    assert out.startswith("pushed 25 escalations from ") and "already there" not in out
    out = ok(capsys, "--db", url, "push", "--from", str(tmp_path / "mine.json"))
    assert out.startswith("pushed 0 escalations from ") and "(25 already there)" in out
    with TeamStore(url) as store:
        pushed = store.query()
        assert len(pushed) == 25 and store.count() == 25
        by_key = {(a.account, a.created_at): a for a in items}
        for a in pushed:  # each with the whole of its timeline, once
            origin = by_key[(a.account, a.created_at)]
            assert [e.to_json() for e in store.escalation(a.id).events] == timelines[origin.id]
            assert a.resolved_at == origin.resolved_at and a.satisfaction == origin.satisfaction
    err = one_line_error(capsys, "--db", str(tmp_path / "x.json"), "push", "--from",
                         str(tmp_path / "mine.json"))
    assert "give the server with --db postgresql://" in err


def test_concurrent_saves_from_several_processes_lose_nothing(team: TeamDB) -> None:
    script = textwrap.dedent("""
        import sys
        from triage_tui.cli import main
        url, who = sys.argv[1], sys.argv[2]
        for n in range(5):
            code = main(["--db", url, "assess", "--account", f"{who}-{n}", "--impact", "3",
                         "--value", "3", "--time", "3", "--capability", "3",
                         "--type", "feature-gap", "--save"])
            assert code == 0
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script, team.url(user), f"{user}{k}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for k in range(2) for user in ("alice", "bob")]
    for proc in procs:
        assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
    with TeamStore(team.url("lena")) as lead:
        accounts = sorted(a.account for a in lead.query())
    assert accounts == sorted(f"{u}{k}-{n}" for u in ("alice", "bob") for k in range(2)
                              for n in range(5))


def test_faults_are_one_line_and_never_show_the_password(
        team: TeamDB, capsys: pytest.CaptureFixture[str]) -> None:
    server = team.server
    wrong = server.url("alice", "not-her-password", team.name)
    err = one_line_error(capsys, "--db", wrong, "history")
    assert "refused user alice: wrong password" in err and "not-her-password" not in err
    gone = f"postgresql://alice:{pw_of('alice')}@127.0.0.1:{_free_port()}/{team.name}"
    err = one_line_error(capsys, "--db", gone, "history")
    assert "cannot reach the team server at 127.0.0.1:" in err and pw_of("alice") not in err
    with psycopg.connect(team.admin_url, autocommit=True) as conn:
        conn.execute("CREATE ROLE outsider LOGIN PASSWORD 'pw-outsider' IN ROLE triage_csm")
    err = one_line_error(capsys, "--db", team.url("outsider"), "history")
    assert "outsider is not a member of any team" in err
    with psycopg.connect(team.admin_url, autocommit=True) as conn:
        conn.execute("INSERT INTO triage.schema_version (version) VALUES (999)")
    err = one_line_error(capsys, "--db", team.url("alice"), "history")
    assert "schema version 999, newer than this triage-tui knows" in err
    with psycopg.connect(team.admin_url, autocommit=True) as conn:
        conn.execute("DELETE FROM triage.schema_version WHERE version >= %s", (SCHEMA_VERSION,))
    err = one_line_error(capsys, "--db", team.url("alice"), "assess", "--account", "X",
                         "--impact", "3", "--value", "3", "--time", "3", "--capability", "3",
                         "--type", "feature-gap", "--save")
    assert "older than this triage-tui's" in err and "triage team init --admin URL" in err
    err = one_line_error(capsys, "team", "add", "zed", "--team", "A", "--admin",
                         server.url("postgres", "nope", team.name))
    assert "refused user postgres: wrong password" in err


def test_a_leads_stats_break_the_team_down_per_csm(
        team: TeamDB, capsys: pytest.CaptureFixture[str]) -> None:
    ids = {user: save(capsys, team.url(user), "Globex", (5, 5, 4, 3))  # urgency, 4 h ack
           for user in ("alice", "bob", "carol")}
    save(capsys, team.url("alice"), "Initech", (4, 4, 3, 3))
    save(capsys, team.url("bob"), "Small Co", (1, 1, 1, 5))  # handled: not an escalation
    with TeamStore(team.url("alice")) as alice:
        start = alice.get(ids["alice"]).created_at
        alice.append(ids["alice"], ack_event(start + timedelta(hours=2)))
        alice.append(ids["alice"], update_event(start + timedelta(hours=3), "on it"))
        alice.resolve(ids["alice"], 4, now=start + timedelta(hours=5))
    with TeamStore(team.url("bob")) as bob:
        start = bob.get(ids["bob"]).created_at
        bob.append(ids["bob"], ack_event(start + timedelta(hours=6)))  # late (4 h)
    data = json.loads(ok(capsys, "--db", team.url("lena"), "stats", "--json"))
    assert data["escalations"] == 3  # the lead's review covers the team (not carol's)
    by_csm = {c["csm"]: c for c in data["team"]["csms"]}
    assert sorted(by_csm) == ["alice", "bob"]
    alice_row, bob_row = by_csm["alice"], by_csm["bob"]
    assert (alice_row["escalations"], alice_row["acknowledged"], alice_row["median_hours_to_ack"],
            alice_row["acks_late"], alice_row["updates"], alice_row["updates_on_time"],
            alice_row["satisfaction_rated"], alice_row["satisfaction_average"]) == \
        (2, 1, 2.0, 0, 1, 1, 1, 4.0)
    assert (bob_row["escalations"], bob_row["median_hours_to_ack"], bob_row["acks_late"],
            bob_row["satisfaction_average"]) == (1, 6.0, 1, None)
    assert data["team"]["shared_accounts"] == [
        {"account": "Globex", "csms": ["alice", "bob"], "escalations": 2}]
    text = ok(capsys, "--db", team.url("lena"), "stats")
    assert "escalations per CSM" in text and "Accounts escalated by more than one CSM" in text
    assert "Globex" in text.split("more than one CSM")[1]
    for user in ("alice", "carol"):  # a CSM's stats: their own, no team section
        data = json.loads(ok(capsys, "--db", team.url(user), "stats", "--json"))
        assert "team" not in data


def test_csms_ack_update_rescore_and_the_lead_sees_the_teams_overdue_items(
        team: TeamDB, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_NOW", "2026-03-02T09:00:00+00:00")  # a Monday
    alice, bob = team.url("alice"), team.url("bob")
    mine = save(capsys, alice, "Globex", (3, 3, 3, 3))  # 12/20: escalate for support
    late = save(capsys, bob, "Initech", (5, 5, 4, 3))  # urgency, product defect: ack within 4 h
    monkeypatch.setenv("TRIAGE_NOW", "2026-03-02T10:00:00+00:00")
    assert "acknowledged after 1 h" in ok(capsys, "--db", alice, "ack", str(mine))
    ok(capsys, "--db", alice, "update", str(mine), "--text", "working on it")
    out = ok(capsys, "--db", alice, "rescore", str(mine), "--reason", "CEO called",
             "--impact", "5", "--value", "5", "--json")
    assert json.loads(out)["total"] == 16  # with urgency: up a band, the new route must ack
    assert json.loads(out)["status"] == "escalated"
    monkeypatch.setenv("TRIAGE_NOW", "2026-03-02T11:00:00+00:00")
    ok(capsys, "--db", alice, "ack", str(mine), "--note", "CS leadership on it")
    timeline = json.loads(ok(capsys, "--db", alice, "timeline", str(mine), "--json"))
    assert [e["kind"] for e in timeline] == ["created", "acknowledged", "update", "rescored",
                                            "acknowledged"]
    monkeypatch.setenv("TRIAGE_NOW", "2026-03-02T15:00:00+00:00")  # bob's ack is 2 h late
    lead = team.url("lena")
    team_due = json.loads(ok(capsys, "--db", lead, "due", "--team", "--json"))
    assert [(i["id"], i["csm"], i["kind"]) for i in team_due] == [(late, "bob", "ack-overdue")]
    assert "bob: Initech" in ok(capsys, "--db", lead, "due", "--team")
    assert json.loads(ok(capsys, "--db", lead, "due", "--json")) == []  # the lead's own: none
    assert [i["id"] for i in json.loads(ok(capsys, "--db", bob, "due", "--json"))] == [late]
    assert json.loads(ok(capsys, "--db", team.url("carol"), "due", "--json")) == []
    err = one_line_error(capsys, "--db", alice, "due", "--team")
    assert "the teams you lead" in err
    err = one_line_error(capsys, "--db", lead, "note", str(late), "--text", "lead's note")
    assert "belongs to bob" in err  # the lead reads, never writes, a CSM's escalation
    history = json.loads(ok(capsys, "--db", lead, "history", "--json"))
    assert sorted(a["id"] for a in history) == sorted([mine, late])


def test_one_factory_opens_a_file_or_the_team_server(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from triage_tui.paths import db_path
    from triage_tui.storage.backend import Store, describe_db, open_store

    url = "postgresql://alice:secret@db.example.com:5433/triage?sslmode=require"
    assert db_path(url) == url  # kept as it is: Path() would fold its "//"
    assert db_path("postgres://bob@db/x") == "postgres://bob@db/x"
    monkeypatch.setenv("TRIAGE_DB", url)
    assert db_path(None) == url
    assert db_path(str(tmp_path / "h.json")) == tmp_path / "h.json"
    server, local = open_store(url), open_store(tmp_path / "h.json")
    assert isinstance(server, TeamStore) and isinstance(local, HistoryStore)
    assert isinstance(server, Store) and isinstance(local, Store)  # one interface
    assert server._conn is None  # no connection until used
    assert describe_db(url) == "the team server alice@db.example.com:5433/triage"
    assert "secret" not in describe_db(url) and "secret" not in repr(server)


def test_a_stale_rescore_is_refused_and_the_other_one_kept(
        team: TeamDB, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two terminals re-score the same escalation at once: the one that read the timeline
    before the other saved is refused with one line, and nothing of it is written."""
    monkeypatch.setenv("TRIAGE_NOW", "2026-03-02T09:00:00+00:00")
    alice = team.url("alice")
    mine = save(capsys, alice, "Globex", (3, 3, 3, 3))  # 12/20
    monkeypatch.setenv("TRIAGE_NOW", "2026-03-02T10:00:00+00:00")
    read = TeamStore.escalation

    def meanwhile(self: TeamStore, doc_id: int):  # noqa: ANN202
        found = read(self, doc_id)  # this terminal has read it; the other one re-scores now
        monkeypatch.setattr(TeamStore, "escalation", read)
        other = subprocess.run(
            [sys.executable, "-m", "triage_tui", "--db", alice, "rescore", str(mine),
             "--reason", "other terminal", "--impact", "5", "--value", "5"],
            capture_output=True, text=True, timeout=60)
        assert other.returncode == 0, other.stderr
        return found

    monkeypatch.setattr(TeamStore, "escalation", meanwhile)
    err = one_line_error(capsys, "--db", alice, "rescore", str(mine), "--reason",
                         "this terminal", "--impact", "1", "--value", "1")
    assert f"escalation {mine} changed since you read it" in err, err
    assert "reload it and try again; nothing was saved" in err
    timeline = json.loads(ok(capsys, "--db", alice, "timeline", str(mine), "--json"))
    assert [(e["kind"], e["text"]) for e in timeline] == [
        ("created", ""), ("rescored", "other terminal")]
    assert json.loads(ok(capsys, "--db", alice, "show", str(mine), "--json"))["total"] == 16


def test_a_history_page_costs_the_same_whatever_its_length(
        team: TeamDB, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """history --limit N reads the page's escalations at once, not one by one."""
    for n in range(6):
        save(capsys, team.url("alice" if n % 2 else "bob"), f"Account {n}")
    execute = psycopg.Cursor.execute
    sent: list[str] = []

    def count(cur, query, *args, **kw):  # noqa: ANN001, ANN202
        sent.append(str(query))
        return execute(cur, query, *args, **kw)

    monkeypatch.setattr(psycopg.Cursor, "execute", count)
    statements = []
    for limit in ("1", "6"):
        sent.clear()
        out = ok(capsys, "--db", team.url("lena"), "history", "--limit", limit)
        assert f"{limit} of 6" in out
        statements.append(len(sent))
    assert statements[0] == statements[1], statements
