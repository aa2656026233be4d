"""The team server's schema: roles, numbered migrations, and the admin's two operations.

Everything lives in the ``triage`` schema of one database:

- ``triage.schema_version``  one row per applied migration (the app refuses a server whose
  newest row is older or newer than :data:`SCHEMA_VERSION`);
- ``triage.memberships``     (username, team, is_lead): who is in which team, and who leads;
- ``triage.escalations``     one row per escalation: its owner (the login role that saved it),
  team, account, created_at, the assessment document (jsonb) and the columns lists filter
  and sort on (decision, total, issue_type, status, and ``watch``: it may still need its
  CSM), ``version`` for optimistic concurrency, ``origin`` (where a pushed record came
  from: pushing twice stores nothing twice) and ``facts`` (what the lead's review sums);
- ``triage.counts``          per member and team, how many escalations and how many changes
  (kept by a trigger): "N of TOTAL" and "anything new?" without reading the escalations;
- ``triage.events``          the append-only timeline (escalation_id, at, kind, text, data),
  carrying its escalation's owner and team so the same policy guards it.

Roles (cluster-wide, created by :func:`init_team`): ``triage_owner`` (NOLOGIN) owns every
object; ``triage_csm`` (NOLOGIN) is the group every member's login role is granted, with
just the privileges the app needs: no UPDATE or DELETE on events, UPDATE only on the
columns an edit may change. Row-level security is enabled and FORCED on every table, so
neither a member nor the owner role gets past the policies:

- a member reads their own escalations, and every escalation of the teams they lead;
- a member inserts, updates and deletes only their own (owner = current_user), and
  inserts only into a team they belong to;
- events follow their escalation; a member appends events only to their own.

A superuser bypasses row-level security: the app refuses to connect as one (see
:func:`.connection.connect`) and :func:`add_member` refuses to make one a member.
"""

from __future__ import annotations

from typing import Any

from .connection import TeamServerError, admin_connect, check_name

SCHEMA = "triage"
OWNER_ROLE = "triage_owner"
MEMBER_ROLE = "triage_csm"
MIGRATION_LOCK = 0x7472_6961_6765  # pg_advisory_xact_lock key: one init at a time

EVENT_KINDS = ("created", "acknowledged", "update", "note", "rescored", "de-escalated",
               "resolved", "checked-in")

_LEAD_TEAMS = ("SELECT m.team FROM triage.memberships m "
               "WHERE m.username = current_user AND m.is_lead")
_VISIBLE = f"(owner = current_user OR team IN ({_LEAD_TEAMS}))"

# Owners and usernames are of type ``name``, like ``current_user``: ``owner = current_user``
# is then a leakproof comparison the planner may use as an index condition under
# row-level security (a text column needs a cast function that is not leakproof, and the
# (owner, created_at) index would go unused: a CSM's newest 20 became a scan).
# Numbered migrations: never edit one that has shipped; add the next number.
# Each runs in one transaction as triage_owner (so it owns what it creates).
MIGRATIONS: dict[int, str] = {
    1: f"""
CREATE TABLE triage.memberships (
    username name NOT NULL CHECK (username <> ''),
    team     text NOT NULL CHECK (team <> ''),
    is_lead  boolean NOT NULL DEFAULT false,
    PRIMARY KEY (username, team)
);
CREATE INDEX memberships_team ON triage.memberships (team, username);

CREATE TABLE triage.escalations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner       name NOT NULL DEFAULT current_user,
    team        text NOT NULL,
    account     text NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    decision    text NOT NULL,
    total       smallint NOT NULL CHECK (total BETWEEN 4 AND 20),
    issue_type  text NOT NULL,
    status      text NOT NULL,
    version     integer NOT NULL DEFAULT 1 CHECK (version > 0),
    origin      text,
    doc         jsonb NOT NULL CHECK (jsonb_typeof(doc) = 'object'),
    UNIQUE (owner, origin)
);
CREATE INDEX escalations_owner_created ON triage.escalations (owner, created_at DESC, id DESC);
CREATE INDEX escalations_team_created ON triage.escalations (team, created_at DESC, id DESC);
CREATE INDEX escalations_created ON triage.escalations (created_at DESC, id DESC);

CREATE TABLE triage.events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    escalation_id bigint NOT NULL REFERENCES triage.escalations (id) ON DELETE CASCADE,
    owner         name NOT NULL DEFAULT current_user,
    team          text NOT NULL,
    at            timestamptz NOT NULL,
    kind          text NOT NULL CHECK (kind IN ({", ".join(f"'{k}'" for k in EVENT_KINDS)})),
    text          text NOT NULL DEFAULT '',
    data          jsonb NOT NULL DEFAULT '{{}}' CHECK (jsonb_typeof(data) = 'object')
);
CREATE INDEX events_escalation ON triage.events (escalation_id, at, id);
CREATE INDEX events_owner ON triage.events (owner, at);
CREATE INDEX events_team ON triage.events (team, at);

CREATE FUNCTION triage.events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the escalation timeline is append-only: events are never changed';
END $$;
CREATE TRIGGER events_append_only BEFORE UPDATE ON triage.events
    FOR EACH ROW EXECUTE FUNCTION triage.events_append_only();

ALTER TABLE triage.memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE triage.memberships FORCE ROW LEVEL SECURITY;
ALTER TABLE triage.escalations ENABLE ROW LEVEL SECURITY;
ALTER TABLE triage.escalations FORCE ROW LEVEL SECURITY;
ALTER TABLE triage.events ENABLE ROW LEVEL SECURITY;
ALTER TABLE triage.events FORCE ROW LEVEL SECURITY;

CREATE POLICY own_memberships ON triage.memberships FOR SELECT TO {MEMBER_ROLE}
    USING (username = current_user);

CREATE POLICY read_own_and_led ON triage.escalations FOR SELECT TO {MEMBER_ROLE}
    USING {_VISIBLE};
CREATE POLICY insert_own ON triage.escalations FOR INSERT TO {MEMBER_ROLE}
    WITH CHECK (owner = current_user AND team IN (
        SELECT m.team FROM triage.memberships m WHERE m.username = current_user));
CREATE POLICY update_own ON triage.escalations FOR UPDATE TO {MEMBER_ROLE}
    USING (owner = current_user) WITH CHECK (owner = current_user);
CREATE POLICY delete_own ON triage.escalations FOR DELETE TO {MEMBER_ROLE}
    USING (owner = current_user);

CREATE POLICY read_own_and_led ON triage.events FOR SELECT TO {MEMBER_ROLE}
    USING {_VISIBLE};
CREATE POLICY append_own ON triage.events FOR INSERT TO {MEMBER_ROLE}
    WITH CHECK (owner = current_user AND EXISTS (
        SELECT 1 FROM triage.escalations e
        WHERE e.id = escalation_id AND e.owner = current_user AND e.team = events.team));

GRANT USAGE ON SCHEMA triage TO {MEMBER_ROLE};
GRANT SELECT ON triage.schema_version, triage.memberships TO {MEMBER_ROLE};
GRANT SELECT, INSERT, DELETE ON triage.escalations TO {MEMBER_ROLE};
GRANT UPDATE (account, updated_at, decision, total, issue_type, status, version, doc)
    ON triage.escalations TO {MEMBER_ROLE};
GRANT SELECT, INSERT ON triage.events TO {MEMBER_ROLE};
GRANT USAGE ON ALL SEQUENCES IN SCHEMA triage TO {MEMBER_ROLE};
""",
    # What the lead's review aggregates per escalation (domain.review.timeline_facts),
    # written with each change; NULL for rows written before (init_team fills them in).
    2: f"""
ALTER TABLE triage.escalations ADD COLUMN facts jsonb
    CHECK (facts IS NULL OR jsonb_typeof(facts) = 'object');
GRANT UPDATE (facts) ON triage.escalations TO {MEMBER_ROLE};
-- due and the Today screen read the escalations not closed: an index each, whatever the
-- size of the history
CREATE INDEX escalations_owner_open ON triage.escalations (owner, created_at)
    WHERE status <> 'closed';
CREATE INDEX escalations_team_open ON triage.escalations (team, created_at)
    WHERE status <> 'closed';

-- How many escalations each member has in each team, kept by a trigger: "N of TOTAL" for
-- a lead without counting the team's rows. Readable as the escalations are.
CREATE TABLE triage.counts (
    owner name NOT NULL,
    team  text NOT NULL,
    n     bigint NOT NULL CHECK (n >= 0),
    PRIMARY KEY (owner, team)
);
INSERT INTO triage.counts SELECT owner, team, count(*) FROM triage.escalations GROUP BY 1, 2;
ALTER TABLE triage.counts ENABLE ROW LEVEL SECURITY;
ALTER TABLE triage.counts FORCE ROW LEVEL SECURITY;
CREATE POLICY read_own_and_led ON triage.counts FOR SELECT TO {MEMBER_ROLE} USING {_VISIBLE};
CREATE POLICY kept_by_the_trigger ON triage.counts TO {OWNER_ROLE} USING (true) WITH CHECK (true);
GRANT SELECT ON triage.counts TO {MEMBER_ROLE};
CREATE FUNCTION triage.count_escalations() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO triage.counts AS c (owner, team, n) VALUES (NEW.owner, NEW.team, 1)
            ON CONFLICT (owner, team) DO UPDATE SET n = c.n + 1;
    ELSE
        UPDATE triage.counts SET n = n - 1 WHERE owner = OLD.owner AND team = OLD.team;
    END IF;
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION triage.count_escalations() FROM PUBLIC;
CREATE TRIGGER count_escalations AFTER INSERT OR DELETE ON triage.escalations
    FOR EACH ROW EXECUTE FUNCTION triage.count_escalations();
""",
    # ``watch``: the escalation may still need its CSM (the file's marker of the same name,
    # widened to a pending check-in of a resolved escalating decision). due, the Today
    # screen and the follow-ups read only these: the partial indexes of migration 2 also
    # held every escalation resolved without escalating, a third of a long history.
    # counts.changes: every change of the member's escalations in the team (kept by the
    # trigger), so a screen asks "anything new?" in one small read (TeamStore.signature).
    3: """
ALTER TABLE triage.escalations ADD COLUMN watch boolean NOT NULL GENERATED ALWAYS AS (
    status <> 'closed' AND (status <> 'resolved' OR decision <> 'handle-yourself'
                            OR coalesce((facts->>'escalated')::boolean, true))) STORED;
DROP INDEX triage.escalations_owner_open;
DROP INDEX triage.escalations_team_open;
CREATE INDEX escalations_owner_watch ON triage.escalations (owner, created_at DESC, id DESC)
    WHERE watch;
CREATE INDEX escalations_team_watch ON triage.escalations (team, created_at DESC, id DESC)
    WHERE watch;

ALTER TABLE triage.counts ADD COLUMN changes bigint NOT NULL DEFAULT 0 CHECK (changes >= 0);
UPDATE triage.counts SET changes = n;
-- a lead's rows by team: read through an index, however many dead versions of its few
-- rows a long transaction (a push, a load) left behind before they are vacuumed
CREATE INDEX counts_team ON triage.counts (team, owner);
-- once per statement for each member and team (a bulk load changes each row of counts
-- once, not once per escalation: counts stays a few pages)
CREATE OR REPLACE FUNCTION triage.count_escalations() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO triage.counts AS c (owner, team, n, changes)
            SELECT owner, team, count(*), count(*) FROM new_rows GROUP BY owner, team
            ON CONFLICT (owner, team) DO UPDATE
            SET n = c.n + EXCLUDED.n, changes = c.changes + EXCLUDED.changes;
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE triage.counts c SET changes = c.changes + d.k
            FROM (SELECT owner, team, count(*) AS k FROM new_rows GROUP BY owner, team) d
            WHERE c.owner = d.owner AND c.team = d.team;
    ELSE
        UPDATE triage.counts c SET n = c.n - d.k, changes = c.changes + d.k
            FROM (SELECT owner, team, count(*) AS k FROM old_rows GROUP BY owner, team) d
            WHERE c.owner = d.owner AND c.team = d.team;
    END IF;
    RETURN NULL;
END $$;
DROP TRIGGER count_escalations ON triage.escalations;
CREATE TRIGGER count_inserts AFTER INSERT ON triage.escalations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION triage.count_escalations();
CREATE TRIGGER count_updates AFTER UPDATE ON triage.escalations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION triage.count_escalations();
CREATE TRIGGER count_deletes AFTER DELETE ON triage.escalations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION triage.count_escalations();
""",
}
SCHEMA_VERSION = max(MIGRATIONS)


def _role_exists(cur: Any, name: str) -> bool:
    return cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone() is not None


def applied_version(cur: Any) -> int | None:
    """The newest migration applied in this database, or None if it has no triage schema."""
    exists = cur.execute("SELECT to_regclass('triage.schema_version') IS NOT NULL").fetchone()[0]
    if not exists:
        return None
    return cur.execute("SELECT coalesce(max(version), 0) FROM triage.schema_version").fetchone()[0]


def init_team(admin_url: str) -> list[int]:
    """Create or upgrade the team schema, its roles and policies; returns the migrations
    applied now (empty when the server was up to date: running it twice changes nothing).

    ``admin_url`` logs in as a superuser (or the database's owner with CREATEROLE).
    Concurrent runs wait for each other (an advisory lock)."""
    from psycopg import sql

    with admin_connect(admin_url) as conn, conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        current = applied_version(cur)
        if current is not None and current > SCHEMA_VERSION:
            raise TeamServerError(
                f"the team server's schema is version {current}, newer than this triage-tui "
                f"knows ({SCHEMA_VERSION}): upgrade triage-tui before running 'team init'"
            )
        for role in (OWNER_ROLE, MEMBER_ROLE):
            if not _role_exists(cur, role):
                cur.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
        superuser = cur.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]
        if not superuser:  # a CREATEROLE admin needs to act as the owner role
            cur.execute(sql.SQL("GRANT {} TO current_user").format(sql.Identifier(OWNER_ROLE)))
        applied: list[int] = []
        if current is None:
            dbname = sql.Identifier(cur.execute("SELECT current_database()").fetchone()[0])
            cur.execute(sql.SQL("REVOKE CONNECT, TEMPORARY ON DATABASE {} FROM PUBLIC").format(dbname))
            cur.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                dbname, sql.Identifier(MEMBER_ROLE)))
            cur.execute(sql.SQL("CREATE SCHEMA triage AUTHORIZATION {}").format(
                sql.Identifier(OWNER_ROLE)))
            cur.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(OWNER_ROLE)))
            cur.execute("CREATE TABLE triage.schema_version (version integer PRIMARY KEY, "
                        "applied_at timestamptz NOT NULL DEFAULT now())")
            current = 0
        cur.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(OWNER_ROLE)))
        for number in sorted(n for n in MIGRATIONS if n > current):
            cur.execute(MIGRATIONS[number])
            cur.execute("INSERT INTO triage.schema_version (version) VALUES (%s)", (number,))
            applied.append(number)
        cur.execute("RESET ROLE")
        if applied:
            _fill_facts(cur)
    return applied


def _fill_facts(cur: Any) -> None:
    """The review figures of escalations written before migration 2 (as the admin, who
    sees every row), computed from each timeline as the app does."""
    from psycopg.types.json import Jsonb

    from ...domain.escalation import Escalation, EscalationError, Event
    from ...domain.review import timeline_facts

    heads = cur.execute("SELECT id, account FROM triage.escalations WHERE facts IS NULL").fetchall()
    for esc_id, account in heads:
        rows = cur.execute("SELECT at, kind, text, data FROM triage.events WHERE escalation_id = %s "
                           "ORDER BY at, id", (esc_id,)).fetchall()
        try:
            esc = Escalation(id=esc_id, account=account, events=tuple(
                Event(at=r[0], kind=r[1], text=r[2], data=r[3]) for r in rows))
        except EscalationError:
            continue  # a timeline this version cannot read: left out of the lead's review
        cur.execute("UPDATE triage.escalations SET facts = %s WHERE id = %s",
                    (Jsonb(timeline_facts(esc)), esc_id))


def add_member(admin_url: str, user: str, team: str, lead: bool = False,
               password: str | None = None) -> bool:
    """Make the login role ``user`` a CSM (or, with ``lead``, the lead) of ``team``.

    Creates the role WITH LOGIN when it does not exist (a role made elsewhere, from a
    directory or SSO, is used as it is); grants it the member group; records the
    membership (running it again changes nothing; ``lead`` sets or clears the lead flag).
    ``password``: set the role's password too. Returns True when the role was created."""
    from psycopg import sql

    check_name("user", user)
    check_name("team", team)
    with admin_connect(admin_url) as conn, conn.transaction(), conn.cursor() as cur:
        version = applied_version(cur)
        if version != SCHEMA_VERSION:
            raise TeamServerError(
                "the team server has no triage schema yet: run 'triage team init --admin URL' first"
                if version is None else
                f"the team server's schema is version {version}, this triage-tui needs "
                f"{SCHEMA_VERSION}: run 'triage team init --admin URL' with the matching triage-tui"
            )
        if user in (OWNER_ROLE, MEMBER_ROLE):
            raise TeamServerError(f"{user} is one of triage-tui's own roles, not a person's login")
        role = cur.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s",
                           (user,)).fetchone()
        ident = sql.Identifier(user)
        if role is None:
            cur.execute(sql.SQL("CREATE ROLE {} LOGIN").format(ident))
        elif role[0] or role[1]:
            raise TeamServerError(
                f"role {user} is a superuser or bypasses row-level security: it would see every "
                "team's escalations; give the person an ordinary login role"
            )
        if password is not None:  # hashed here (SCRAM): the server never logs it in clear
            hashed = conn.pgconn.encrypt_password(password.encode(), user.encode(),
                                                  b"scram-sha-256").decode()
            cur.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(ident, sql.Literal(hashed)))
        member = cur.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", (user, MEMBER_ROLE)).fetchone()[0]
        if not member:
            cur.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(MEMBER_ROLE), ident))
        cur.execute(
            "INSERT INTO triage.memberships (username, team, is_lead) VALUES (%s, %s, %s) "
            "ON CONFLICT (username, team) DO UPDATE SET is_lead = EXCLUDED.is_lead "
            "WHERE memberships.is_lead IS DISTINCT FROM EXCLUDED.is_lead",
            (user, team, lead),
        )
    return role is None


__all__ = ["EVENT_KINDS", "MEMBER_ROLE", "MIGRATIONS", "OWNER_ROLE", "SCHEMA_VERSION",
           "add_member", "applied_version", "init_team"]
