"""A real, throwaway PostgreSQL for the team-server tests (a pytest plugin).

``pg_server`` (session-scoped) runs ``initdb`` and ``pg_ctl`` from the system's PostgreSQL
binaries (``TRIAGE_PG_BIN`` if set, else Debian's ``/usr/lib/postgresql/<N>/bin``, or
wherever ``pg_config --bindir`` or ``initdb`` on the PATH points) in a temporary folder, on a free loopback port and a private
unix-socket folder, with password (scram) authentication, and stops it at the end.
PostgreSQL refuses to run as root, so as root (CI runs as root) the server runs as the
unprivileged ``nobody`` with its folder handed over to it (``setpriv``).

``team_db`` (per test) is a fresh database on that server: an admin URL to pass to
``init_team``/``add_member``, and ``url(user)`` for a member's login.

In CI (``CI`` set to anything but false/0, or ``TRIAGE_REQUIRE_PG=1``) missing binaries or a
server that will not start FAIL the tests instead of skipping them. With
``TRIAGE_REQUIRE_PG=1`` the run also fails when no PostgreSQL test passed at all (the
tests were deselected or lost), and the summary prints one line,
``postgresql: N tests passed on PostgreSQL 15.x``, that ``.ci/run`` can look for.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import pytest

SUPERUSER = "postgres"
PG_MARK = "pg"  # every test that uses pg_server gets this marker


def _truthy(value: str | None) -> bool:
    return bool(value) and value.strip().lower() not in ("0", "false", "no", "off")


def require_pg() -> bool:
    """In CI the PostgreSQL tests must run: fail, never skip."""
    return _truthy(os.environ.get("CI")) or _truthy(os.environ.get("TRIAGE_REQUIRE_PG"))


def find_bindir() -> Path | None:
    """The folder with initdb, pg_ctl and postgres (the newest version), or None."""
    if os.environ.get("TRIAGE_PG_BIN"):  # named explicitly: that one or none
        candidates = [os.environ["TRIAGE_PG_BIN"]]
    else:
        candidates = _system_bindirs()
    for folder in candidates:
        path = Path(folder)
        if all((path / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return path
    return None


def _system_bindirs() -> list[str]:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                         key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
                         reverse=True)
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            candidates.append(subprocess.run([pg_config, "--bindir"], capture_output=True,
                                             text=True, check=True).stdout.strip())
        except (OSError, subprocess.CalledProcessError):
            pass
    which = shutil.which("initdb")
    if which:
        candidates.append(str(Path(which).parent))
    return candidates


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_nobody() -> list[str]:
    """The command prefix that runs a server tool unprivileged: as root, ``nobody``."""
    if os.geteuid() != 0:
        return []
    nobody = pwd.getpwnam("nobody")
    return ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
            "--clear-groups", "--"]


@dataclass
class PgServer:
    """One running server; ``admin_url(db)`` logs in as its superuser."""

    bindir: Path
    root: Path
    port: int = 0
    password: str = field(default_factory=lambda: secrets.token_hex(12))
    version: str = ""
    _as_user: list[str] = field(default_factory=list)

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def sockdir(self) -> Path:
        return self.root / "sock"

    @property
    def logfile(self) -> Path:
        return self.root / "server.log"

    def url(self, user: str, password: str, dbname: str = "postgres") -> str:
        return (f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}"
                f"@127.0.0.1:{self.port}/{quote(dbname, safe='')}")

    def admin_url(self, dbname: str = "postgres") -> str:
        return self.url(SUPERUSER, self.password, dbname)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self._as_user, *args], capture_output=True, text=True,
                              cwd=self.root, check=check, stdin=subprocess.DEVNULL)

    def start(self) -> None:
        self.root.mkdir(mode=0o700, exist_ok=True)
        (self.root / "owner.pid").write_text(str(os.getpid()))
        self.sockdir.mkdir(mode=0o700)
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        self._as_user = _as_nobody()
        if self._as_user:  # initdb and postgres refuse root: they run as nobody
            nobody = pwd.getpwnam("nobody")
            for path in (self.root, self.sockdir, pwfile):
                os.chown(path, nobody.pw_uid, nobody.pw_gid)
        self._run(str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", SUPERUSER,
                  "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        pwfile.unlink()
        for attempt in range(5):
            self.port = _free_port()
            proc = self._run(
                str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-l", str(self.logfile),
                "-w", "-t", "60", "-o",
                f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                f"-c unix_socket_directories={self.sockdir} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100",
                "start", check=False,
            )
            if proc.returncode == 0:
                break
            log = self.logfile.read_text(errors="replace") if self.logfile.exists() else ""
            if "could not bind" not in log and "in use" not in log or attempt == 4:
                raise RuntimeError(f"pg_ctl start failed: {proc.stderr.strip()}\n{log[-2000:]}")
        import psycopg

        with psycopg.connect(self.admin_url(), autocommit=True) as conn:
            self.version = conn.execute("SHOW server_version").fetchone()[0]

    def stop(self) -> None:
        if self.datadir.exists():
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate",
                      "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def reap_orphans(bindir: Path) -> None:
    """Stop servers left by a test run that was killed (its pid is gone): a SIGKILLed
    pytest cannot run its teardown."""
    for pidfile in glob.glob(os.path.join(tempfile.gettempdir(), "triage-pg-*", "owner.pid")):
        root = Path(pidfile).parent
        try:
            os.kill(int(Path(pidfile).read_text()), 0)
            continue  # still running
        except ProcessLookupError:
            pass
        except (OSError, ValueError):
            continue
        PgServer(bindir, root, _as_user=_as_nobody()).stop()


@dataclass
class TeamDB:
    """A fresh database on the test server."""

    server: PgServer
    name: str

    @property
    def admin_url(self) -> str:
        return self.server.admin_url(self.name)

    def url(self, user: str, password: str | None = None) -> str:
        return self.server.url(user, password if password is not None else pw_of(user), self.name)


def pw_of(user: str) -> str:
    """The tests' password for a login role (deterministic, so tests can log in)."""
    return f"pw-{user}"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bindir = find_bindir()
    if bindir is None:
        message = ("no PostgreSQL server binaries (initdb, pg_ctl, postgres) found: install "
                   "Debian's 'postgresql' package or set TRIAGE_PG_BIN")
        if require_pg():
            pytest.fail(message + " (required in CI)", pytrace=False)
        pytest.skip(message)
    reap_orphans(bindir)
    server = PgServer(bindir, Path(tempfile.mkdtemp(prefix="triage-pg-")))
    try:
        server.start()
    except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
        server.stop()
        detail = getattr(exc, "stderr", None) or str(exc)
        message = f"could not start a throwaway PostgreSQL from {bindir}: {detail.strip()[:2000]}"
        if require_pg():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    try:
        yield server
    finally:
        server.stop()


_db_numbers = itertools.count(1)


@pytest.fixture
def team_db(pg_server: PgServer) -> TeamDB:
    import psycopg

    name = f"team_{os.getpid()}_{next(_db_numbers)}"
    with psycopg.connect(pg_server.admin_url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return TeamDB(pg_server, name)


# ---------------------------------------------------------------- CI: did they run?

def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{PG_MARK}: runs against the throwaway PostgreSQL")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "pg_server" in getattr(item, "fixturenames", ()):
            item.add_marker(PG_MARK)


class _Count:
    passed = 0
    not_passed = 0
    version = ""


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if PG_MARK not in report.keywords:
        return
    if report.when == "call" and report.passed:
        _Count.passed += 1
    elif report.skipped or report.failed:
        _Count.not_passed += 1


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001
    if _Count.passed or _Count.not_passed or _truthy(os.environ.get("TRIAGE_REQUIRE_PG")):
        terminalreporter.write_line(
            f"postgresql: {_Count.passed} tests passed, {_Count.not_passed} skipped or failed"
        )
        if _truthy(os.environ.get("TRIAGE_REQUIRE_PG")) and _Count.passed == 0:
            terminalreporter.write_line(
                "postgresql: no PostgreSQL test passed, and TRIAGE_REQUIRE_PG=1 requires them"
            )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if getattr(session.config, "workerinput", None) is not None:
        return  # an xdist worker: the controller counts every worker's reports
    if _truthy(os.environ.get("TRIAGE_REQUIRE_PG")) and _Count.passed == 0 and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
