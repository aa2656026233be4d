"""TeamStore: the escalation history on the team's PostgreSQL server.

Method names follow :class:`..store.HistoryStore` (``add``, ``get``, ``query``,
``documents``, ``resolve``, ``checkin``, ``delete``, ``count``) so both can stand behind one
interface; what only a server has (owner, team, version, events) is added beside them.

The server decides what a member may see and change (row-level security, see
:mod:`.schema`); this class only asks. Every change is one transaction: the escalation's
row (its ``version`` goes up by one) and an event on its timeline. A caller that read an
escalation passes the version it read as ``expected_version``; if someone changed it since,
:class:`.StaleEditError` says so and nothing is written.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Iterator

from ...domain.escalation import (
    Escalation,
    EscalationError,
    Event,
    Status,
    checkin_event,
    checkin_refused,
    legacy_events,
    resolve_event,
)
from ...domain.models import Assessment
from ...domain.review import TeamReview, SharedAccount, csm_figures, timeline_facts
from ...domain.rubric import Decision
from ..backend import TermHint
from ..store import UnknownIdError, stored_doc, synced
from .connection import NotYoursError, StaleEditError, TeamServerError, connect, describe, where
from .schema import EVENT_KINDS

_ORDER = "ORDER BY created_at DESC, id DESC"


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def initial_status(a: Assessment) -> str:
    """Until the escalation model derives it from the timeline: routed or handled."""
    return "escalated" if Decision(a.decision).escalates else "open"


def _like(text: str) -> str:
    """A case-insensitive substring pattern for ILIKE (the user's % and _ are literal)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


_TEXT_SQL = ("(account ILIKE %(text)s OR doc->>'situation' ILIKE %(text)s "
             "OR doc->>'ask' ILIKE %(text)s OR doc->>'comms' ILIKE %(text)s "
             "OR doc->>'resolution_note' ILIKE %(text)s "
             "OR EXISTS (SELECT 1 FROM jsonb_each_text(doc->'rationale') r "
             "WHERE r.value ILIKE %(text)s))")


_PRINTABLE = frozenset(map(chr, range(0x20, 0x7F))) - {'"', "\\"}
# What the history's filter searches (document_texts: the account and every text the CSM
# wrote), the rationale as JSON (its keys too; its texts as typed but for a quote, a
# backslash or a control character, which JSON escapes; any other character as typed).
_TEXTS = ("concat_ws(' ', doc->>'account', doc->>'situation', doc->>'ask', doc->>'comms', "
          "doc->>'resolution_note', (doc->'rationale')::text)")
# the day "YYYY-MM-DD <month>" of created_at shifted by one day either way (the viewer's
# local day is one of the three, whatever their time zone)
_STAMP = ("lower(to_char(created_at AT TIME ZONE 'UTC' + {d}, 'YYYY-MM-DD')) || ' ' || "
          "(%(months)s::text[])[extract(month FROM created_at AT TIME ZONE 'UTC' + {d})::int]")


def _term_sql(term: TermHint, n: int, params: dict[str, Any]) -> str:
    """A condition that holds for every document whose filter text contains the term
    (a superset; "" for none: a word with other characters is left to the caller).
    The texts (a word of printable ASCII but a quote or a backslash is found in them as
    typed, ignoring case; a text with a character that is not ASCII may fold to it:
    "Straße" holds "strasse"); the table's words by kind; the date by its day."""
    text = term.text
    if not text or not set(text) <= _PRINTABLE:
        return ""
    params[f"t{n}"] = _like(text)
    ors = [f"{_TEXTS} ILIKE %(t{n})s", rf"{_TEXTS} ~ '[^\x01-\x7f]'"]
    if term.kinds:
        params[f"k{n}"] = [f"{d},{t},{str(r).lower()}" for d, t, r in term.kinds]
        ors.append("decision || ',' || issue_type || ',' || "
                   f"(coalesce(doc->>'resolved_at', '') <> '')::text = ANY(%(k{n})s)")
    if term.months:
        params["months"] = list(term.months)
        ors += [f"({_STAMP.format(d=d)}) LIKE %(t{n})s"
                for d in ("interval '-1 day'", "interval '0 day'", "interval '1 day'")]
    return "(" + " OR ".join(ors) + ")"


@dataclass(frozen=True)
class Record:
    """One escalation as the server keeps it."""

    id: int
    owner: str
    team: str
    status: str
    version: int
    assessment: Assessment


class TeamStore:
    """The team server for one member's login. Cheap to create: connects on first use."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: Any = None
        self.user = ""
        self.teams: tuple[str, ...] = ()
        self.lead_teams: tuple[str, ...] = ()
        self.owner_of: dict[int, str] = {}  # the owner of each escalation read (a lead's view)
        self._mutex = threading.RLock()

    def __repr__(self) -> str:
        info = describe(self.url)
        return f"TeamStore({info['user']}@{where(info)})"

    # ------------------------------------------------------------------ connection

    @property
    def conn(self) -> Any:
        with self._mutex:
            if self._conn is None or self._conn.closed:
                conn = connect(self.url)
                _fast_json(conn)
                rows = conn.execute("SELECT current_user, team, is_lead FROM triage.memberships "
                                    "WHERE username = current_user ORDER BY team").fetchall()
                self.user = rows[0][0]
                self.teams = tuple(r[1] for r in rows)
                self.lead_teams = tuple(r[1] for r in rows if r[2])
                self._conn = conn
            return self._conn

    def close(self) -> None:
        with self._mutex:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> TeamStore:
        self.conn  # noqa: B018 - connect now, so faults show here
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, fn: Callable[[Any], Any]) -> Any:
        """Run ``fn(cursor)`` in one transaction; a lost connection is one line."""
        import psycopg

        with self._mutex:  # one transaction at a time on this connection (TUI workers)
            conn = self.conn
            try:
                with conn.transaction(), conn.cursor() as cur:
                    return fn(cur)
            except psycopg.OperationalError as exc:
                from .connection import explain_connect_error

                self.close()
                raise explain_connect_error(exc, describe(self.url)) from None
            except psycopg.Error as exc:  # a refused or invalid change: nothing was written
                raise TeamServerError(f"the team server refused it: {_first(exc)}") from None

    # ------------------------------------------------------------------ reading

    def count(self) -> int:
        """Escalations this member can see."""
        self.conn  # noqa: B018 - learn the member's teams
        # kept by a trigger (see the schema): the same number as counting the rows this
        # member may read, without reading them
        return self._run(lambda cur: cur.execute(
            "SELECT coalesce(sum(n), 0)::bigint FROM triage.counts "
            "WHERE owner = current_user OR team = ANY(%s)", (list(self.lead_teams),)).fetchone()[0])

    def get(self, doc_id: int) -> Assessment:
        return self.record(doc_id).assessment

    def record(self, doc_id: int) -> Record:
        """The escalation with its owner, team, status and version (for a later
        ``expected_version``); UnknownIdError if there is none this member can see."""
        row = self._run(lambda cur: cur.execute(
            "SELECT id, owner, team, status, version, doc FROM triage.escalations WHERE id = %s",
            (doc_id,)).fetchone())
        if row is None:
            raise self._unknown(doc_id)
        return Record(row[0], row[1], row[2], row[3], row[4], _assessment(row[0], row[5]))

    def all(self) -> list[Assessment]:
        return self.query()

    def query(self, account: str | None = None, decision: Decision | str | None = None,
              text: str | None = None, limit: int | None = None,
              owner: str | None = None) -> list[Assessment]:
        """Newest first, everything this member may see (a lead: their teams' too).
        ``account``/``text``: case-insensitive substrings; ``owner``: one member's only."""
        return [_assessment(i, doc) for i, doc in
                self._select(account, decision, text, limit, owner, "id, doc")]

    def documents(self, limit: int | None = None, since: datetime | None = None,
                  with_owner: bool = False) -> list[dict[str, Any]]:
        """The stored documents with their ``"id"`` (and ``"owner"`` if asked: a lead's
        review breaks down per CSM), newest first; no pydantic."""
        rows = self._select(None, None, None, limit, None, "id, doc, owner, status",
                            since=since)
        docs = []
        for doc_id, doc, owner, status in rows:
            doc["id"] = doc_id
            doc["status"] = status
            if with_owner:
                doc["owner"] = owner
            docs.append(doc)
        return docs

    def each_document(self) -> Iterator[dict[str, Any]]:
        """Every document this member sees, oldest first (as :meth:`documents`)."""
        return reversed(self.documents())

    # The history screen reads the team's history a page at a time (a lead's team may
    # have 100 000 escalations): see :meth:`history_page`.
    pages_history = True

    def history_page(self, before: tuple[datetime, int] | None, limit: int,
                     terms: Iterable[TermHint] = ()
                     ) -> tuple[list[dict[str, Any]], tuple[datetime, int] | None]:
        """The next ``limit`` escalations created before ``before`` (created_at, id),
        newest first: a keyset page on the (owner|team, created_at, id) indexes. Returns
        their documents (as :meth:`documents`) and the key to read on from (None: that
        was the last). ``terms`` are matched on the server, on these rows only (a word
        found in few of them costs one page's work, not the whole history's): each
        document the history's filter would keep is returned, a few others may be (the
        caller filters exactly)."""
        where_sql: list[str] = []
        params: dict[str, Any] = {}
        if before is not None:
            # plain comparisons (leakproof, unlike a row comparison): an index bound
            # under row-level security
            where_sql.append("created_at <= %(b_at)s AND (created_at < %(b_at)s "
                             "OR id < %(b_id)s)")
            params.update(b_at=_utc(before[0]), b_id=int(before[1]))
        conds = [sql for n, term in enumerate(terms) if (sql := _term_sql(term, n, params))]
        doc = f"CASE WHEN {' AND '.join(conds)} THEN doc END" if conds else "doc"
        rows = self._select(None, None, None, limit, None, f"created_at, id, {doc}, status",
                            extra=tuple(where_sql), extra_params=params)
        docs = []
        for _at, doc_id, document, status in rows:
            if document is not None:
                document["id"] = doc_id
                document["status"] = status
                docs.append(document)
        after = (rows[-1][0], rows[-1][1]) if len(rows) >= max(1, limit) else None
        return docs, after

    def _select(self, account: str | None, decision: Decision | str | None, text: str | None,
                limit: int | None, owner: str | None, columns: str,
                since: datetime | None = None, extra: tuple[str, ...] = (),
                extra_params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        where_sql: list[str] = list(extra)
        params: dict[str, Any] = dict(extra_params or {})
        if account:
            where_sql.append("account ILIKE %(account)s")
            params["account"] = _like(account)
        if decision:
            where_sql.append("decision = %(decision)s")
            params["decision"] = Decision(decision).value
        if text:
            where_sql.append(_TEXT_SQL)
            params["text"] = _like(text)
        if since is not None:
            where_sql.append("created_at >= %(since)s")
            params["since"] = _utc(since)
        self.conn  # noqa: B018 - learn the member's teams
        # One index scan per scope (own rows; each team led), merged: with a limit, each
        # reads only its newest rows; a lead's "owner or team" would be a scan of the
        # table. Row-level security still applies.
        if owner is not None:
            scopes = ["owner = %(owner)s"]
            params["owner"] = owner
        elif not self.lead_teams:
            scopes = ["owner = current_user"]
        else:
            params["led"] = list(self.lead_teams)
            scopes = ["owner = current_user AND team <> ALL(%(led)s)"]
            for n, team in enumerate(self.lead_teams):
                scopes.append(f"team = %(team{n})s")
                params[f"team{n}"] = team
        tail = _ORDER + (" LIMIT %(limit)s" if limit is not None else "")
        if limit is not None:
            params["limit"] = max(0, int(limit))
        parts = [
            f"SELECT created_at AS sort_at, {columns} FROM triage.escalations "
            f"WHERE {' AND '.join([scope, *where_sql])} {tail}"
            for scope in scopes
        ]
        query = parts[0] if len(parts) == 1 else (
            "SELECT * FROM (" + " UNION ALL ".join(f"({p})" for p in parts) + ") s "
            + tail.replace("created_at", "sort_at"))
        rows = self._run(lambda cur: cur.execute(query, params).fetchall())
        return [row[1:] for row in rows]

    def signature(self) -> tuple[Any, ...]:
        """Changes whenever what this member sees does (a save, an event, a delete):
        for screens that keep what they read. From triage.counts (kept by a trigger): a
        few rows, whatever the size of the history."""
        self.conn  # noqa: B018 - learn the member's teams
        return tuple(self._run(lambda cur: cur.execute(
            "SELECT coalesce(sum(n), 0)::bigint, coalesce(sum(changes), 0)::bigint "
            "FROM triage.counts WHERE owner = current_user OR team = ANY(%s)",
            (list(self.lead_teams),)).fetchone()))

    def exists(self) -> bool:
        """The server is reachable and this member may use it (else TeamServerError)."""
        self.conn  # noqa: B018
        return True

    def check(self) -> int:
        """Read and validate every escalation this member can see; returns how many."""
        rows = self._run(lambda cur: cur.execute("SELECT id, doc FROM triage.escalations")
                         .fetchall())
        for doc_id, doc in rows:
            _assessment(doc_id, doc)
        return len(rows)

    _FOLLOWUP = ("status = 'resolved' AND decision <> 'handle-yourself' "
                 "AND doc->>'checkin_done_at' IS NULL")

    def followup_documents(self) -> list[dict[str, Any]]:
        """Resolved escalations whose check-in is not done (documents, newest first)."""
        rows = self._select(None, None, None, None, None, "id, doc",
                            extra=("watch", self._FOLLOWUP))
        return [{**doc, "id": doc_id} for doc_id, doc in rows]

    def followups(self) -> list[Assessment]:
        """The same as assessments, the soonest due first."""
        pending = [_assessment(d["id"], d) for d in self.followup_documents()]
        return sorted(pending, key=lambda a: (a.checkin_due_at, a.id or 0))

    def events(self, doc_id: int) -> list[dict[str, Any]]:
        """The escalation's timeline, oldest first: {at, kind, text, data, author}."""

        def fn(cur: Any) -> list[dict[str, Any]] | None:
            if cur.execute("SELECT 1 FROM triage.escalations WHERE id = %s",
                           (doc_id,)).fetchone() is None:
                return None
            rows = cur.execute("SELECT at, kind, text, data, owner FROM triage.events "
                               "WHERE escalation_id = %s ORDER BY at, id", (doc_id,)).fetchall()
            return [{"at": r[0], "kind": r[1], "text": r[2], "data": r[3], "author": r[4]}
                    for r in rows]

        found = self._run(fn)
        if found is None:
            raise self._unknown(doc_id)
        return found

    # ------------------------------------------------------------------ the lead's review

    def team_review(self, now: datetime, period_days: int | None) -> TeamReview | None:
        """For a lead, the teams they lead: per CSM (escalations ever escalated, created in
        the period) the figures of :func:`timeline_facts`, summed by the server, and the
        accounts escalated by two or more CSMs. None for a member who leads no team."""
        self.conn  # noqa: B018 - learn the member's teams
        if not self.lead_teams:
            return None
        now = _utc(now)
        params: dict[str, Any] = {"teams": list(self.lead_teams), "now": now,
                                  "today": now.date().isoformat()}
        period = ""
        if period_days is not None:
            period = "AND created_at >= %(since)s"
            params["since"] = now - timedelta(days=period_days)
        chosen = (f"SELECT owner::text AS owner, account, facts FROM triage.escalations "
                  f"WHERE team = ANY(%(teams)s) {period} AND (facts->>'escalated')::boolean")
        per_csm = (
            f"WITH e AS ({chosen}), a AS (SELECT owner, array_agg(h::float8) AS hours "
            "FROM e, jsonb_array_elements_text(e.facts->'ack_hours') h GROUP BY owner) "
            "SELECT e.owner, count(*), "
            "coalesce(sum((facts->>'ack_late')::int), 0), "
            "coalesce(sum((facts->>'updates')::int), 0), "
            "coalesce(sum((facts->>'updates_on_time')::int), 0), "
            "count(*) FILTER (WHERE facts->>'update_due' < %(today)s), "
            "count(*) FILTER (WHERE (facts->>'stalled')::boolean "
            "  OR (facts->>'stall_at')::timestamptz <= %(now)s), "
            "count(facts->>'satisfaction'), avg((facts->>'satisfaction')::numeric)::float8, "
            "a.hours FROM e LEFT JOIN a USING (owner) GROUP BY e.owner, a.hours "
            "ORDER BY e.owner")
        shared = (
            f"WITH e AS ({chosen}) SELECT min(account), array_agg(DISTINCT owner), count(*) "
            "FROM e GROUP BY lower(regexp_replace(btrim(account), '\\s+', ' ', 'g')) "
            "HAVING count(DISTINCT owner) > 1 ORDER BY count(*) DESC, min(account)")

        def fn(cur: Any) -> tuple[list[Any], list[Any]]:
            return (cur.execute(per_csm, params).fetchall(),
                    cur.execute(shared, params).fetchall())

        rows, accounts = self._run(fn)
        return TeamReview(
            generated_at=now, period_days=period_days, teams=list(self.lead_teams),
            csms=[csm_figures(owner, n, hours or [], late, updates, on_time, missed, stalled,
                              rated, average)
                  for owner, n, late, updates, on_time, missed, stalled, rated, average, hours
                  in rows],
            shared_accounts=[SharedAccount(account=account, csms=sorted(csms), escalations=n)
                             for account, csms, n in accounts],
        )

    # ------------------------------------------------------------------ writing

    def _team_for(self, team: str | None) -> str:
        self.conn  # noqa: B018
        if team is None:
            if len(self.teams) == 1:
                return self.teams[0]
            raise TeamServerError(
                f"{self.user} is in several teams ({', '.join(self.teams)}): say which one")
        if team not in self.teams:
            raise TeamServerError(f"{self.user} is not a member of team {team}")
        return team

    def add(self, a: Assessment, team: str | None = None, origin: str | None = None) -> Assessment:
        """Save a new escalation (owned by this member, in their team) with its timeline;
        returns it with its server id. ``origin``: a key naming where it came from (a
        pushed local record): adding the same origin again returns the stored one."""
        return self.add_many([a], team, [origin])[0]

    def add_many(self, items: Iterable[Assessment], team: str | None = None,
                 origins: Iterable[str | None] | None = None,
                 timelines: Iterable[Iterable[Event]] | None = None) -> list[Assessment]:
        """Save several in one transaction (ids in the given order). ``timelines``: each
        one's events (its created event first), as :meth:`HistoryStore.add_many` takes
        them; without them, the timeline its lifecycle implies (created; resolved;
        checked in)."""
        return [a for a, _ in self._insert(items, team, origins, timelines)]

    def _insert(self, items: Iterable[Assessment], team: str | None,
                origins: Iterable[str | None] | None,
                timelines: Iterable[Iterable[Event]] | None) -> list[tuple[Assessment, bool]]:
        """(saved, new) for each item: new is False for an origin stored before."""
        from psycopg.types.json import Jsonb

        team = self._team_for(team)
        batch = list(items)
        keys = list(origins) if origins is not None else [None] * len(batch)
        events = [None] * len(batch) if timelines is None else [tuple(t) for t in timelines]
        if len(keys) != len(batch) or len(events) != len(batch):
            raise ValueError("one origin and one timeline per assessment")
        rows = []
        for a, ev in zip(batch, events):
            if not isinstance(a, Assessment) or not isinstance(a.created_at, datetime):
                raise TeamServerError(f"not saved: not an assessment: {a!r:.80}")
            a = replace(a, created_at=_utc(a.created_at))
            doc = stored_doc(a, 0)
            del doc["id"]
            try:
                esc = Escalation(id=None, account=a.account, events=(
                    tuple(ev) if ev is not None else
                    tuple(Event.from_json(e) for e in legacy_events(doc))))
            except EscalationError as exc:
                raise TeamServerError(f"not saved: {exc}") from None
            a = synced(a, esc)
            doc = stored_doc(a, 0)
            del doc["id"]
            rows.append((a, doc, esc))

        def fn(cur: Any) -> list[tuple[Assessment, bool]]:
            saved = []
            for (a, doc, esc), origin in zip(rows, keys):
                row = cur.execute(
                    "INSERT INTO triage.escalations (team, account, created_at, decision, total, "
                    "issue_type, status, version, origin, doc, facts) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (owner, origin) DO NOTHING RETURNING id",
                    (team, a.account, doc["created_at"], doc["decision"], doc["total"],
                     doc["issue_type"], esc.status.value, len(esc.events), origin,
                     Jsonb(doc), Jsonb(timeline_facts(esc)))).fetchone()
                if row is None:  # pushed before: the stored one
                    old = cur.execute("SELECT id, doc FROM triage.escalations "
                                      "WHERE owner = current_user AND origin = %s",
                                      (origin,)).fetchone()
                    saved.append((_assessment(old[0], old[1]), False))
                    continue
                cur.executemany(
                    "INSERT INTO triage.events (escalation_id, team, at, kind, text, data) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    [(row[0], team, e.at, e.kind.value, e.text, Jsonb(dict(e.data)))
                     for e in esc.events])
                saved.append((replace(a, id=row[0]), True))
            return saved

        return self._run(fn)

    def push(self, local: Any, team: str | None = None) -> tuple[int, int]:
        """Copy every escalation of a local history (a :class:`HistoryStore`) with its
        timeline; one transaction. Each is keyed by its origin (the local record's id,
        creation time and account): pushing again stores nothing twice. Returns (added,
        already there)."""
        items = sorted(local.all(), key=lambda a: (_utc(a.created_at), a.id or 0))
        timelines = [local.escalation(a.id).events for a in items] \
            if hasattr(local, "escalation") else None
        done = self._insert(items, team, [origin_key(a) for a in items], timelines)
        added = sum(new for _, new in done)
        return added, len(done) - added

    def escalation(self, doc_id: int) -> Escalation:
        """One escalation: its timeline and folded state (UnknownIdError if none)."""
        return self._escalation_rows(lambda cur: cur.execute(
            "SELECT id, account, owner FROM triage.escalations WHERE id = %s",
            (doc_id,)).fetchall(), missing=doc_id)[0]

    def escalations(self, include_closed: bool = True, since: datetime | None = None,
                    owner: str | None = None, ids: Iterable[int] | None = None
                    ) -> list[Escalation]:
        """Every escalation this member sees (a lead: the team's), oldest first.
        ``include_closed=False`` (``due``, the Today screen) leaves out those for which
        nothing can fall due (closed, or resolved never escalated); ``owner``: one member's;
        ``since``: created since then; ``ids``: those (one read for a page of the history;
        an id this member cannot see is left out)."""
        if ids is not None:
            wanted = [int(i) for i in ids]
            return self._escalation_rows(lambda cur: cur.execute(
                "SELECT id, account, owner FROM triage.escalations WHERE id = ANY(%s) "
                "ORDER BY created_at, id", (wanted,)).fetchall())
        # watch (an index each for a member and a team), then exactly the rule
        extra = ("watch AND (status <> 'resolved' OR "
                 "coalesce((facts->>'escalated')::boolean, true))",) if not include_closed \
            else ()
        heads = self._select(None, None, None, None, owner, "id, account, owner", since=since,
                             extra=extra)
        heads.reverse()  # oldest first
        return self._escalation_rows(lambda cur: heads)

    def leads(self) -> tuple[str, ...]:
        """The teams this member leads (connects first)."""
        self.conn  # noqa: B018
        return self.lead_teams

    def _escalation_rows(self, heads: Callable[[Any], list[tuple[Any, ...]]],
                         missing: int | None = None) -> list[Escalation]:
        def fn(cur: Any) -> list[tuple[Any, ...]] | None:
            found = heads(cur)
            if not found:
                return None
            if missing is not None:
                events = cur.execute("SELECT escalation_id, at, kind, text, data FROM "
                                     "triage.events WHERE escalation_id = %s ORDER BY at, id",
                                     (missing,)).fetchall()
            else:  # by the ids found: an index lookup each, whatever the size of the table
                events = cur.execute(
                    "SELECT escalation_id, at, kind, text, data FROM triage.events "
                    "WHERE escalation_id = ANY(%s) ORDER BY escalation_id, at, id",
                    ([row[0] for row in found],)).fetchall()
            return [found, events]

        got = self._run(fn)
        if got is None:
            if missing is not None:
                raise self._unknown(missing)
            return []
        heads_rows, event_rows = got
        timeline: dict[int, list[Event]] = {}
        for esc_id, at, kind, text, data in event_rows:
            timeline.setdefault(esc_id, []).append(Event(at=at, kind=kind, text=text, data=data))
        out = []
        for esc_id, account, owner in heads_rows:
            self.owner_of[esc_id] = owner
            try:
                out.append(Escalation(id=esc_id, account=account,
                                      events=tuple(timeline.get(esc_id, ()))))
            except EscalationError as exc:
                raise TeamServerError(f"escalation {esc_id} on the team server has an invalid "
                                      f"timeline ({exc})") from None
        return out

    def append(self, doc_id: int, event: Event, *, expect: int | None = None,
               assessment: Assessment | None = None) -> Escalation:
        """Add ``event`` to one of this member's escalations, in one transaction (the row
        locked). The transition is checked by the domain (EscalationError: nothing is
        written). ``expect``: the number of events the caller read (the row's version);
        if the timeline moved on since, StaleEditError and nothing is written.
        ``assessment`` (a re-score) replaces the assessment's fields; its id and creation
        time stay. The lifecycle fields and the status follow the timeline."""
        from psycopg.types.json import Jsonb

        def fn(cur: Any) -> Escalation:
            row = cur.execute(
                "SELECT version, team, account, doc FROM triage.escalations "
                "WHERE id = %s AND owner = current_user FOR UPDATE", (doc_id,)).fetchone()
            if row is None:
                raise self._not_changeable(cur, doc_id)
            version, team, account, doc = row
            if expect is not None and version != expect:
                raise StaleEditError(
                    f"escalation {doc_id} changed since you read it (version {expect}, "
                    f"now {version}): reload it and try again; nothing was saved")
            rows = cur.execute("SELECT at, kind, text, data FROM triage.events "
                               "WHERE escalation_id = %s ORDER BY at, id", (doc_id,)).fetchall()
            esc = Escalation(id=doc_id, account=account,
                             events=tuple(Event(at=r[0], kind=r[1], text=r[2], data=r[3])
                                          for r in rows))
            new_esc = esc.apply(event)  # EscalationError: refused, nothing written
            current = _assessment(doc_id, doc)
            base = current if assessment is None else replace(
                assessment, id=doc_id, created_at=current.created_at)
            new = synced(base, new_esc)
            new_doc = stored_doc(new, doc_id)
            del new_doc["id"]
            cur.execute(
                "UPDATE triage.escalations SET version = version + 1, updated_at = now(), "
                "doc = %s, account = %s, decision = %s, total = %s, issue_type = %s, "
                "status = %s, facts = %s WHERE id = %s",
                (Jsonb(new_doc), new.account, new_doc["decision"], new_doc["total"],
                 new_doc["issue_type"], new_esc.status.value, Jsonb(timeline_facts(new_esc)),
                 doc_id))
            cur.execute("INSERT INTO triage.events (escalation_id, team, at, kind, text, data) "
                        "VALUES (%s, %s, %s, %s, %s, %s)",
                        (doc_id, team, event.at, event.kind.value, event.text,
                         Jsonb(dict(event.data))))
            return new_esc

        return self._run(fn)

    def append_event(self, doc_id: int, kind: str, text: str = "",
                     data: dict[str, Any] | None = None, at: datetime | None = None,
                     expected_version: int | None = None,
                     assessment: Assessment | None = None) -> int:
        """:meth:`append` from its parts; returns the escalation's new version."""
        if kind not in EVENT_KINDS:
            raise TeamServerError(f"unknown event kind {kind!r}")
        event = Event(at=_utc(at or datetime.now(timezone.utc)), kind=kind, text=text,
                      data=data or {})
        return len(self.append(doc_id, event, expect=expected_version,
                               assessment=assessment).events)

    def resolve(self, doc_id: int, satisfaction: int, note: str = "",
                now: datetime | None = None, expected_version: int | None = None) -> Assessment:
        """Resolved, with the customer's satisfaction (1-5): a ``resolved`` event."""
        if isinstance(satisfaction, bool) or not isinstance(satisfaction, int) \
                or not 1 <= satisfaction <= 5:
            raise TeamServerError(f"satisfaction must be 1-5, got {satisfaction!r}")
        when = _utc(now or datetime.now(timezone.utc))
        a = self.get(doc_id)
        if a.resolved_at is not None:
            raise TeamServerError(
                f"escalation {doc_id} was already resolved on "
                f"{a.resolved_at.astimezone():%Y-%m-%d %H:%M} (satisfaction {a.satisfaction})")
        self.append(doc_id, resolve_event(when, satisfaction, note), expect=expected_version)
        return self.get(doc_id)

    def checkin(self, doc_id: int, now: datetime | None = None, note: str = "",
                expected_version: int | None = None) -> Assessment:
        """The post-escalation check-in is done: a ``checked-in`` event closes it (no
        change if it already is)."""
        when = _utc(now or datetime.now(timezone.utc))
        a, esc = self.get(doc_id), self.escalation(doc_id)
        refusal = checkin_refused(esc, a.resolved_at is not None, f"escalation {doc_id}")
        if refusal is not None:
            raise TeamServerError(refusal)
        if esc.status is Status.CLOSED:
            return a
        self.append(doc_id, checkin_event(when, note), expect=expected_version)
        return self.get(doc_id)

    def delete(self, doc_id: int) -> None:
        """Remove one of this member's own escalations (its timeline goes with it)."""

        def fn(cur: Any) -> None:
            if cur.execute("DELETE FROM triage.escalations WHERE id = %s AND owner = current_user "
                           "RETURNING id", (doc_id,)).fetchone() is None:
                raise self._not_changeable(cur, doc_id)

        self._run(fn)

    # ------------------------------------------------------------------ messages

    def _unknown(self, doc_id: int) -> UnknownIdError:
        info = describe(self.url)
        return UnknownIdError(f"no escalation #{doc_id} that {self.user or info['user']} "
                              f"can see on the team server at {where(info)}")

    def _not_changeable(self, cur: Any, doc_id: int) -> TeamServerError | UnknownIdError:
        row = cur.execute("SELECT owner FROM triage.escalations WHERE id = %s",
                          (doc_id,)).fetchone()
        if row is None:
            return self._unknown(doc_id)
        return NotYoursError(f"escalation {doc_id} belongs to {row[0]}: only they can change it")


def origin_key(a: Assessment) -> str:
    """Where a pushed record came from: its local id, creation time and account (the
    same record pushed from any copy of the file is the same origin)."""
    import hashlib

    key = f"{a.id}|{_utc(a.created_at).isoformat()}|{a.account}"
    return "local:" + hashlib.sha256(key.encode()).hexdigest()[:32]


def _assessment(doc_id: int, doc: dict[str, Any]) -> Assessment:
    try:
        return Assessment.validate({**doc, "id": doc_id})
    except (ValueError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
        raise TeamServerError(f"escalation {doc_id} on the team server is not a valid "
                              f"assessment ({_first(exc)})") from None


def _first(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__


def _fast_json(conn: Any) -> None:
    """orjson for jsonb both ways on this connection (the documents are plain JSON)."""
    import orjson
    from psycopg.types.json import set_json_dumps, set_json_loads

    set_json_loads(orjson.loads, conn)
    set_json_dumps(orjson.dumps, conn)
