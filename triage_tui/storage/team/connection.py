"""Connecting to the team server, and every fault as one line.

A URL follows libpq's conventions (``postgresql://user:password@host:port/dbname?sslmode=…``;
``PGPASSWORD``, ``~/.pgpass`` and the other ``PG*`` variables apply as in ``psql``).
Messages never repeat the URL (it may hold a password): they name the user, host, port and
database instead.
"""

from __future__ import annotations

import os
import unicodedata
from typing import TYPE_CHECKING, Any

from ..store import StaleEditError as _StoreStaleEdit
from ..store import StoreError

if TYPE_CHECKING:
    import psycopg

CONNECT_TIMEOUT = 10  # seconds, unless the URL or PGCONNECT_TIMEOUT says otherwise
MAX_NAME = 63  # PostgreSQL's identifier length (bytes)


class TeamServerError(StoreError):
    """A team-server problem, as one line naming the server (never its password)."""


class SchemaMismatchError(TeamServerError):
    """The server's schema is older or newer than this triage-tui knows."""


class StaleEditError(TeamServerError, _StoreStaleEdit):
    """The escalation changed on the server since the caller read it (the same error as
    the history file's, for callers that handle both)."""


class NotYoursError(TeamServerError):
    """The escalation is visible (a lead's view) but belongs to someone else."""


def check_name(what: str, name: str) -> None:
    """A user or team name: non-empty, printable, at most 63 bytes."""
    if not isinstance(name, str) or not name.strip():
        raise TeamServerError(f"the {what} name is empty")
    if any(unicodedata.category(ch)[0] in "CZ" and ch != " " for ch in name):
        raise TeamServerError(f"the {what} name {name!r} has control or blank characters")
    if len(name.encode()) > MAX_NAME:
        raise TeamServerError(f"the {what} name {name[:20]!r}… is longer than {MAX_NAME} bytes")


def describe(url: str) -> dict[str, str]:
    """user, host, port and dbname the URL (and the PG* environment) will use."""
    from psycopg import conninfo
    from psycopg.errors import ProgrammingError

    try:
        params = conninfo.conninfo_to_dict(url)
    except ProgrammingError as exc:
        raise TeamServerError(f"not a valid PostgreSQL URL: {_first_line(str(exc))}") from None
    user = params.get("user") or os.environ.get("PGUSER") or _login_name()
    host = params.get("host") or os.environ.get("PGHOST") or "localhost"
    port = params.get("port") or os.environ.get("PGPORT") or "5432"
    dbname = params.get("dbname") or os.environ.get("PGDATABASE") or user
    return {"user": str(user), "host": str(host), "port": str(port), "dbname": str(dbname)}


def _login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "?"


def where(info: dict[str, str]) -> str:
    host = info["host"]
    place = host if host.startswith("/") else f"{host}:{info['port']}"
    return f"{place}/{info['dbname']}"


def _first_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[0] if lines else "unknown error"


def explain_connect_error(exc: Exception, info: dict[str, str]) -> TeamServerError:
    """libpq's multi-line connection error → one line naming the problem."""
    text = str(exc)
    low = text.lower()
    user, place = info["user"], where(info)
    if "password authentication failed" in low:
        return TeamServerError(
            f"the team server at {place} refused user {user}: wrong password (or no such user)")
    if "no password supplied" in low:
        return TeamServerError(
            f"the team server at {place} needs a password for user {user}: put it in the URL, "
            "PGPASSWORD or ~/.pgpass")
    if "does not exist" in low and "database" in low:
        return TeamServerError(f"the team server at {place}: database {info['dbname']} does not exist")
    if "role" in low and "does not exist" in low:
        return TeamServerError(f"the team server at {place} has no login role {user}")
    if "permission denied for database" in low or "not permitted to log in" in low:
        return TeamServerError(
            f"the team server at {place} does not let {user} in: an admin runs "
            f"'triage team add {user} --team NAME --admin URL'")
    for line in text.splitlines():  # "connection to server at … failed: <reason>"
        reason = line.rsplit("failed:", 1)[-1].strip() if "failed:" in line else ""
        if reason:
            break
    else:
        reason = _first_line(text)
    return TeamServerError(f"cannot reach the team server at {place}: {reason}")


def _open(url: str, **kwargs: Any) -> "psycopg.Connection[Any]":
    import psycopg

    info = describe(url)
    params = psycopg.conninfo.conninfo_to_dict(url)
    if "connect_timeout" not in params and not os.environ.get("PGCONNECT_TIMEOUT"):
        kwargs["connect_timeout"] = CONNECT_TIMEOUT
    params.setdefault("application_name", "triage-tui")
    try:
        return psycopg.connect(psycopg.conninfo.make_conninfo(**params), **kwargs)
    except psycopg.OperationalError as exc:
        raise explain_connect_error(exc, info) from None


def admin_connect(url: str) -> "psycopg.Connection[Any]":
    """The admin's connection (``team init``, ``team add``), in autocommit mode: callers
    open their own transaction."""
    return _open(url, autocommit=True)


def server_version(conn: Any) -> int:
    return int(conn.info.server_version)


def connect(url: str) -> "psycopg.Connection[Any]":
    """A member's connection, checked: not a superuser nor the tables' owner, the schema
    exactly the version this triage-tui knows. Autocommit (callers use transactions)."""
    from .schema import OWNER_ROLE, SCHEMA_VERSION, applied_version

    info = describe(url)
    conn = _open(url, autocommit=True)
    try:
        import psycopg

        try:
            with conn.cursor() as cur:
                user, superuser, bypass = cur.execute(
                    "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles "
                    "WHERE rolname = current_user").fetchone()
                if superuser or bypass:
                    raise TeamServerError(
                        f"{user} is a superuser on {where(info)} and would see every team's "
                        "escalations: connect as a member's own login (triage team add USER "
                        "--team NAME --admin URL)")
                owner = cur.execute("SELECT pg_has_role(current_user, oid, 'USAGE') FROM pg_roles "
                                    "WHERE rolname = %s", (OWNER_ROLE,)).fetchone()
                if owner is not None and owner[0]:
                    raise TeamServerError(
                        f"{user} can act as the tables' owner on {where(info)}: connect as a "
                        "member's own login, not the owner")
                try:
                    version = applied_version(cur)
                except psycopg.errors.InsufficientPrivilege:
                    version = -1
                if version is None or version == -1:
                    raise SchemaMismatchError(
                        f"the team server at {where(info)} has no triage schema that {user} can "
                        "read: an admin runs 'triage team init --admin URL' and "
                        f"'triage team add {user} --team NAME --admin URL'")
                if version < SCHEMA_VERSION:
                    raise SchemaMismatchError(
                        f"the team server at {where(info)} has schema version {version}, older "
                        f"than this triage-tui's {SCHEMA_VERSION}: an admin runs "
                        "'triage team init --admin URL' to upgrade it")
                if version > SCHEMA_VERSION:
                    raise SchemaMismatchError(
                        f"the team server at {where(info)} has schema version {version}, newer "
                        f"than this triage-tui knows ({SCHEMA_VERSION}): upgrade triage-tui")
                teams = cur.execute("SELECT count(*) FROM triage.memberships "
                                    "WHERE username = current_user").fetchone()[0]
                if not teams:
                    raise TeamServerError(
                        f"{user} is not a member of any team on {where(info)}: an admin runs "
                        f"'triage team add {user} --team NAME --admin URL'")
        except psycopg.OperationalError as exc:
            raise explain_connect_error(exc, info) from None
    except BaseException:
        conn.close()
        raise
    return conn
