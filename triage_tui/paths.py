"""Every user path in one place: platformdirs defaults, overridable by flags and env vars."""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path

from platformdirs import user_cache_dir, user_config_dir, user_data_dir

APP_NAME = "triage-tui"
DB_ENV = "TRIAGE_DB"
CONFIG_ENV = "TRIAGE_CONFIG"


def data_dir() -> Path:
    return Path(user_data_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    """What can be rebuilt at any time (notes of validated history files)."""
    return Path(user_cache_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    return data_dir() / "history.json"


def db_path(flag: str | os.PathLike[str] | None = None) -> Path | str:
    """--db wins, then $TRIAGE_DB, then history.json in the user data dir. A team server's
    ``postgresql://`` (or ``postgres://``) URL is returned as it is, a string."""
    chosen = flag or os.environ.get(DB_ENV) or default_db_path()
    if is_server_url(chosen):
        return str(chosen)
    return Path(chosen).expanduser()


def is_server_url(db: object) -> bool:
    """A team server's URL (libpq's URI forms), as opposed to a history file's path."""
    return isinstance(db, str) and db.lower().startswith(("postgresql://", "postgres://"))


def config_path() -> Path:
    """$TRIAGE_CONFIG, else config.toml in the user config dir."""
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    return Path(user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def private_dir(path: Path) -> Path:
    """``path``, created if missing as a folder only this user can enter (0700)."""
    with suppress(OSError):  # reported by whoever then fails to use it
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def state_path() -> Path:
    """Small UI state (the chosen theme), kept apart from the user's config file. The data
    folder is created private (0700) even when this file is the first thing in it."""
    return private_dir(data_dir()) / "ui-state.json"


def draft_path() -> Path:
    """The assess screen's unsaved draft (autosaved; offered back at the next start)."""
    return private_dir(data_dir()) / "draft.json"
