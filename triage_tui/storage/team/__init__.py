"""The team's history on PostgreSQL (psycopg 3): one server, each CSM's data their own.

    init_team(admin_url) -> [migrations applied]      # create or upgrade: idempotent
    add_member(admin_url, user, team, lead=False, password=None)   # role created if missing
    store = TeamStore(member_url)                     # connects on first use, checked:
                                                      #   not a superuser or the owner, the
                                                      #   schema this version knows, a member
    store.add(a) / add_many(items) / get(id) / record(id) -> Record(owner, team, status, version)
    store.query(account=, decision=, text=, limit=, owner=)   # newest first
    store.documents(limit=, since=, with_owner=) / count() / events(id)
    store.append_event(id, kind, text, data, at, expected_version=, status=, assessment=)
    store.resolve(id, satisfaction, note, now, expected_version=) / checkin(...) / delete(id)

Access is decided by the server (row-level security, enabled and forced; see
:mod:`.schema`): the app never connects as the tables' owner or a superuser. Every fault
is a :class:`TeamServerError` (a ``StoreError``) with a one-line message that names the
server but never its password; :class:`StaleEditError` when the escalation changed since
the caller read it. psycopg is imported only when a team server is used.
"""

from .connection import (
    NotYoursError,
    SchemaMismatchError,
    StaleEditError,
    TeamServerError,
    connect,
)
from .schema import EVENT_KINDS, SCHEMA_VERSION, add_member, init_team
from .store import Record, TeamStore

__all__ = ["EVENT_KINDS", "NotYoursError", "Record", "SCHEMA_VERSION", "SchemaMismatchError",
           "StaleEditError", "TeamServerError", "TeamStore", "add_member", "connect", "init_team"]
