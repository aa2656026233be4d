"""The team server against a real PostgreSQL (tests/pg_server.py starts one): schema and
migrations, roles, row-level security as seen through plain SQL, and one-line faults."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from pg_server import TeamDB, _free_port, pw_of

from triage_tui.errors import TriageError
from triage_tui.storage.demo import demo_assessments
from triage_tui.storage.team import (
    SCHEMA_VERSION,
    SchemaMismatchError,
    TeamServerError,
    TeamStore,
    add_member,
    connect,
    init_team,
)

TABLES = ("memberships", "escalations", "events", "counts")


def _catalog(admin_url: str) -> dict[str, Any]:
    """Everything init_team creates or grants, as comparable data."""
    with psycopg.connect(admin_url) as conn:
        q = lambda sql: sorted(map(tuple, conn.execute(sql).fetchall()))  # noqa: E731
        return {
            "tables": q("SELECT relname, relkind, relowner::regrole::text, relrowsecurity, "
                        "relforcerowsecurity, coalesce(relacl::text, '') FROM pg_class "
                        "WHERE relnamespace = 'triage'::regnamespace"),
            "policies": q("SELECT tablename, policyname, cmd, roles::text, qual, with_check "
                          "FROM pg_policies WHERE schemaname = 'triage'"),
            "columns": q("SELECT grantee, table_name, column_name, privilege_type "
                         "FROM information_schema.column_privileges WHERE table_schema = 'triage'"),
            "roles": q("SELECT rolname, rolcanlogin, rolsuper FROM pg_roles "
                       "WHERE rolname LIKE 'triage%'"),
            "versions": q("SELECT version, applied_at FROM triage.schema_version"),
            "database": q("SELECT datacl::text FROM pg_database WHERE datname = current_database()"),
        }


@pytest.fixture
def team(team_db: TeamDB) -> TeamDB:
    """Team A: CSMs alice and bob, lead lena; team B: CSM carol. Each has saved two."""
    init_team(team_db.admin_url)
    for user, team_name, lead in (("alice", "A", False), ("bob", "A", False),
                                  ("lena", "A", True), ("carol", "B", False)):
        add_member(team_db.admin_url, user, team_name, lead=lead, password=pw_of(user))
    items = iter(demo_assessments(8))
    for user in ("alice", "bob", "lena", "carol"):
        with TeamStore(team_db.url(user)) as store:
            store.add_many([next(items), next(items)])
    return team_db


def _as(team_db: TeamDB, user: str) -> psycopg.Connection:
    """A plain psql-like session as that user (no app code)."""
    return psycopg.connect(team_db.url(user), autocommit=True)


def _owners(conn: psycopg.Connection, table: str = "escalations") -> list[str]:
    return sorted(r[0] for r in conn.execute(f"SELECT owner FROM triage.{table}").fetchall())


def _one_line(exc: pytest.ExceptionInfo[BaseException]) -> str:
    text = str(exc.value)
    assert text and "\n" not in text, text
    assert isinstance(exc.value, TriageError)
    return text


# ---------------------------------------------------------------- schema

def test_init_twice_changes_nothing(team_db: TeamDB) -> None:
    assert init_team(team_db.admin_url) == list(range(1, SCHEMA_VERSION + 1))
    before = _catalog(team_db.admin_url)
    assert init_team(team_db.admin_url) == []
    assert _catalog(team_db.admin_url) == before
    assert before["versions"][-1][0] == SCHEMA_VERSION


def test_init_upgrades_an_older_schema_with_its_data_once(
        team_db: TeamDB, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server set up by the previous triage-tui (schema 2, with escalations): the app
    refuses it until 'team init' upgrades it; the upgrade keeps every row, fills in what
    the new migration adds (watch, the change counts) and running it again changes nothing."""
    from triage_tui.storage.team import schema

    previous = SCHEMA_VERSION - 1
    with monkeypatch.context() as old_app:
        old_app.setattr(schema, "MIGRATIONS", {n: schema.MIGRATIONS[n] for n in range(1, previous + 1)})
        old_app.setattr(schema, "SCHEMA_VERSION", previous)
        assert init_team(team_db.admin_url) == list(range(1, previous + 1))
        add_member(team_db.admin_url, "alice", "A", password=pw_of("alice"))
        add_member(team_db.admin_url, "lena", "A", lead=True, password=pw_of("lena"))
        with TeamStore(team_db.url("alice")) as alice:
            saved = alice.add_many(demo_assessments(12))
    with pytest.raises(SchemaMismatchError) as exc:
        TeamStore(team_db.url("alice")).count()
    assert "older" in _one_line(exc)

    assert init_team(team_db.admin_url) == [SCHEMA_VERSION]
    after = _catalog(team_db.admin_url)
    assert init_team(team_db.admin_url) == []
    assert _catalog(team_db.admin_url) == after
    with psycopg.connect(team_db.admin_url) as conn:
        watch = dict(conn.execute("SELECT id, watch FROM triage.escalations").fetchall())
    with TeamStore(team_db.url("alice")) as alice, TeamStore(team_db.url("lena")) as lena:
        assert alice.count() == lena.count() == 12
        escalations = {e.id: e for e in alice.escalations()}
        assert watch == {a.id: escalations[a.id].status.value != "closed" and not (
            escalations[a.id].status.value == "resolved" and not a.decision.escalates
            and escalations[a.id].state.escalated_at is None) for a in saved}
        assert True in watch.values() and False in watch.values()
        seen = lena.signature()
        alice.append_event(saved[0].id, "note", "after the upgrade")
        assert lena.signature() != seen


def test_row_level_security_is_enabled_and_forced(team: TeamDB) -> None:
    with psycopg.connect(team.admin_url) as conn:
        rows = conn.execute(
            "SELECT relname, relrowsecurity, relforcerowsecurity, relowner::regrole::text "
            "FROM pg_class WHERE relnamespace = 'triage'::regnamespace AND relkind = 'r'"
        ).fetchall()
        owner = conn.execute("SELECT rolcanlogin, rolsuper FROM pg_roles "
                             "WHERE rolname = 'triage_owner'").fetchone()
    by_name = {r[0]: r[1:] for r in rows}
    for table in TABLES:
        assert by_name[table] == (True, True, "triage_owner"), table
    assert owner == (False, False)  # the owner cannot log in


def test_members_are_neither_superuser_nor_owner(team: TeamDB) -> None:
    for user in ("alice", "lena", "carol"):
        with _as(team, user) as conn:
            row = conn.execute(
                "SELECT rolsuper, rolbypassrls, pg_has_role(current_user, 'triage_owner', 'MEMBER'), "
                "pg_has_role(current_user, 'triage_csm', 'MEMBER') "
                "FROM pg_roles WHERE rolname = current_user").fetchone()
        assert row == (False, False, False, True), user


# ---------------------------------------------------------------- who sees what

EXPECTED_VISIBLE = {
    "alice": ["alice", "alice"],
    "bob": ["bob", "bob"],
    "lena": ["alice", "alice", "bob", "bob", "lena", "lena"],
    "carol": ["carol", "carol"],
}


@pytest.mark.parametrize("user", sorted(EXPECTED_VISIBLE))
def test_each_sees_exactly_what_the_rules_say(team: TeamDB, user: str) -> None:
    expected = EXPECTED_VISIBLE[user]
    with _as(team, user) as conn:  # plain SQL, as psql would
        assert _owners(conn) == expected
        # every event of every escalation it sees, and no other
        assert _owners(conn, "events") == sorted(
            owner for owner, in conn.execute(
                "SELECT e.owner FROM triage.escalations e JOIN triage.events v "
                "ON v.escalation_id = e.id").fetchall())
        assert sorted(set(_owners(conn, "events"))) == sorted(set(expected))
        assert conn.execute("SELECT username FROM triage.memberships").fetchall() == [(user,)]
    with TeamStore(team.url(user)) as store:  # through the app: the same
        owners = sorted(r.owner for r in (store.record(a.id) for a in store.query()))
        assert owners == expected
        assert store.count() == len(expected)
        assert len(store.query(limit=20)) == len(expected)
        assert sorted(d["owner"] for d in store.documents(with_owner=True)) == expected


def test_another_teams_escalation_is_unknown(team: TeamDB) -> None:
    with TeamStore(team.url("carol")) as carol:
        carol_id = carol.query()[0].id
    with TeamStore(team.url("lena")) as lena:
        with pytest.raises(TriageError) as exc:
            lena.get(carol_id)
        assert f"no escalation #{carol_id}" in _one_line(exc)


def test_a_csm_cannot_change_anothers_rows_even_by_hand(team: TeamDB) -> None:
    with _as(team, "alice") as conn:
        alice_id, status, version = conn.execute(
            "SELECT id, status, version FROM triage.escalations ORDER BY id LIMIT 1").fetchone()
    for intruder in ("bob", "lena", "carol"):  # a teammate, the lead, another team
        with _as(team, intruder) as conn:
            cur = conn.execute("UPDATE triage.escalations SET status = 'closed', version = 99 "
                               "WHERE id = %s", (alice_id,))
            assert cur.rowcount == 0, intruder
            assert conn.execute("DELETE FROM triage.escalations WHERE id = %s",
                                (alice_id,)).rowcount == 0, intruder
            assert conn.execute("UPDATE triage.escalations SET status = 'closed' "
                                "WHERE true").rowcount == 2, intruder  # only their own two
            with pytest.raises(psycopg.errors.InsufficientPrivilege):  # RLS WITH CHECK
                conn.execute("INSERT INTO triage.events (escalation_id, team, at, kind) "
                             "VALUES (%s, 'A', now(), 'note')", (alice_id,))
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("INSERT INTO triage.escalations (owner, team, account, created_at, "
                             "decision, total, issue_type, status, doc) VALUES ('alice', 'A', "
                             "'x', now(), 'handle-yourself', 4, 'feature-gap', 'open', '{}')")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):  # no column grant
                conn.execute("UPDATE triage.escalations SET owner = 'alice'")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):  # not a member of B/A
                conn.execute("INSERT INTO triage.escalations (team, account, created_at, "
                             "decision, total, issue_type, status, doc) VALUES (%s, 'x', now(), "
                             "'handle-yourself', 4, 'feature-gap', 'open', '{}')",
                             ("A" if intruder == "carol" else "B",))
    with psycopg.connect(team.admin_url) as conn:
        assert conn.execute("SELECT owner, status, version FROM triage.escalations "
                            "WHERE id = %s", (alice_id,)).fetchone() == ("alice", status, version)


def test_counts_follow_every_change_one_row_or_many_at_once(team: TeamDB) -> None:
    """triage.counts (what count() and signature() read) against the rows themselves,
    after changes by hand of several rows in one statement, as a bulk load makes."""
    with _as(team, "alice") as conn:
        conn.execute("INSERT INTO triage.escalations (team, account, created_at, decision, "
                     "total, issue_type, status, doc) SELECT 'A', 'bulk ' || k, now(), "
                     "'handle-yourself', 4, 'feature-gap', 'open', '{}' "
                     "FROM generate_series(1, 5) k")
        conn.execute("UPDATE triage.escalations SET version = version + 1 "
                     "WHERE account LIKE 'bulk %' AND account <> 'bulk 1'")
        conn.execute("DELETE FROM triage.escalations WHERE account IN ('bulk 1', 'bulk 2')")
    with psycopg.connect(team.admin_url) as conn:
        counts = conn.execute("SELECT owner, team, n, changes FROM triage.counts "
                              "ORDER BY 1, 2").fetchall()
        rows = dict(conn.execute("SELECT owner, count(*) FROM triage.escalations "
                                 "GROUP BY 1").fetchall())
    # each saved two (add_many: one statement each); alice then 5 more, 4 updated, 2 deleted
    assert [(o, t, n) for o, t, n, _ in counts] == [(o, t, rows[o]) for o, t, _, _ in counts]
    assert {o: c for o, _, _, c in counts} == {"alice": 2 + 5 + 4 + 2, "bob": 2, "carol": 2,
                                               "lena": 2}
    assert rows["alice"] == 2 + 5 - 2
    with TeamStore(team.url("alice")) as alice, TeamStore(team.url("lena")) as lena:
        assert alice.count() == 5 and lena.count() == 5 + 2 + 2
        assert alice.signature() == (5, 13) and lena.signature() == (9, 17)


def test_events_are_append_only_even_for_their_owner(team: TeamDB) -> None:
    with _as(team, "alice") as conn:
        for statement in ("UPDATE triage.events SET text = 'edited'",
                          "DELETE FROM triage.events"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    with psycopg.connect(team.admin_url, autocommit=True) as conn:
        conn.execute("SET ROLE triage_owner")  # forced RLS: the owner role sees no row at all
        assert conn.execute("UPDATE triage.events SET text = 'edited'").rowcount == 0
        assert conn.execute("SELECT count(*) FROM triage.escalations").fetchone()[0] == 0
        conn.execute("RESET ROLE")  # and the trigger stops even a superuser's edit
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("UPDATE triage.events SET text = 'edited'")


def test_a_member_may_not_pose_as_the_owner_role(team: TeamDB) -> None:
    with _as(team, "alice") as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SET ROLE triage_owner")


# ---------------------------------------------------------------- add_member

def test_add_member_uses_an_existing_role_and_is_idempotent(team_db: TeamDB) -> None:
    init_team(team_db.admin_url)
    with psycopg.connect(team_db.admin_url, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS sso_dave")
        conn.execute("CREATE ROLE sso_dave LOGIN PASSWORD 'from-the-directory'")
    assert add_member(team_db.admin_url, "sso_dave", "A") is False  # used as it is
    before = _catalog(team_db.admin_url)
    assert add_member(team_db.admin_url, "sso_dave", "A") is False
    assert _catalog(team_db.admin_url) == before
    with TeamStore(team_db.url("sso_dave", "from-the-directory")) as store:
        assert store.teams == ("A",) and store.lead_teams == ()
    add_member(team_db.admin_url, "sso_dave", "A", lead=True)
    with TeamStore(team_db.url("sso_dave", "from-the-directory")) as store:
        assert store.lead_teams == ("A",)


def test_add_member_creates_a_missing_login_role(team_db: TeamDB) -> None:
    init_team(team_db.admin_url)
    with psycopg.connect(team_db.admin_url, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS new_erin")
    assert add_member(team_db.admin_url, "new_erin", "B", password="s3cret") is True
    with psycopg.connect(team_db.admin_url) as conn:
        assert conn.execute("SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = "
                            "'new_erin'").fetchone() == (True, False)
    with TeamStore(team_db.url("new_erin", "s3cret")) as store:
        assert store.teams == ("B",)


def test_add_member_refuses_a_superuser_and_needs_init(team_db: TeamDB) -> None:
    with pytest.raises(TeamServerError) as exc:
        add_member(team_db.admin_url, "alice", "A")
    assert "team init" in _one_line(exc)
    init_team(team_db.admin_url)
    with pytest.raises(TeamServerError) as exc:
        add_member(team_db.admin_url, "postgres", "A")
    assert "superuser" in _one_line(exc)
    with pytest.raises(TeamServerError):
        add_member(team_db.admin_url, "bad\x1bname", "A")


# ---------------------------------------------------------------- faults, one line each

def test_connect_refuses_a_superuser(team: TeamDB) -> None:
    with pytest.raises(TeamServerError) as exc:
        connect(team.admin_url)
    assert "superuser" in _one_line(exc)


@pytest.mark.parametrize("version,word", [(SCHEMA_VERSION + 1, "newer"), (0, "older")])
def test_schema_too_new_or_too_old_is_refused(team: TeamDB, version: int, word: str) -> None:
    with psycopg.connect(team.admin_url) as conn:
        conn.execute("DELETE FROM triage.schema_version")
        if version:
            conn.execute("INSERT INTO triage.schema_version (version) VALUES (%s)", (version,))
    with pytest.raises(SchemaMismatchError) as exc:
        TeamStore(team.url("alice")).count()
    text = _one_line(exc)
    assert word in text and f"version {version}" in text
    if version > SCHEMA_VERSION:
        with pytest.raises(TeamServerError) as exc:
            init_team(team.admin_url)  # an older app never "upgrades" a newer schema
        assert "newer" in _one_line(exc)


def test_uninitialised_server_is_one_line(team_db: TeamDB) -> None:
    with psycopg.connect(team_db.admin_url, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS plain_frank")
        conn.execute(f"CREATE ROLE plain_frank LOGIN PASSWORD '{pw_of('plain_frank')}'")
    with pytest.raises(SchemaMismatchError) as exc:
        connect(team_db.url("plain_frank"))
    assert "has no triage schema" in _one_line(exc)


def test_unknown_user_is_one_line(team: TeamDB) -> None:
    with pytest.raises(TeamServerError) as exc:
        connect(team.url("nobody_here"))
    assert "refused user nobody_here" in _one_line(exc)


def test_unreachable_server_is_one_line(team: TeamDB) -> None:
    port = _free_port()  # nothing listens there
    with pytest.raises(TeamServerError) as exc:
        TeamStore(f"postgresql://alice:{pw_of('alice')}@127.0.0.1:{port}/x").count()
    text = _one_line(exc)
    assert text.startswith(f"cannot reach the team server at 127.0.0.1:{port}/x")
    assert pw_of("alice") not in text


def test_wrong_password_is_one_line(team: TeamDB) -> None:
    with pytest.raises(TeamServerError) as exc:
        TeamStore(team.url("alice", "not-her-password")).count()
    text = _one_line(exc)
    assert "refused user alice: wrong password" in text
    assert "not-her-password" not in text


def test_no_membership_is_one_line(team: TeamDB) -> None:
    with psycopg.connect(team.admin_url, autocommit=True) as conn:
        conn.execute("DELETE FROM triage.memberships WHERE username = 'bob'")
    with pytest.raises(TeamServerError) as exc:
        TeamStore(team.url("bob")).count()
    assert "bob is not a member of any team" in _one_line(exc)


def test_missing_password_and_bad_url_are_one_line(team: TeamDB,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent")
    with pytest.raises(TeamServerError) as exc:
        connect(team.url("alice").replace(f":{pw_of('alice')}@", "@"))
    assert "needs a password for user alice" in _one_line(exc)
    with pytest.raises(TeamServerError) as exc:
        connect("postgresql://a:b@host:notaport/x")
    _one_line(exc)
