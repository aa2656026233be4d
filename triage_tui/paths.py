"""Every user path in one place: platformdirs defaults, overridable by flags and env vars."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir

APP_NAME = "triage-tui"
DB_ENV = "TRIAGE_DB"
CONFIG_ENV = "TRIAGE_CONFIG"


def data_dir() -> Path:
    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    return data_dir() / "history.json"


def db_path(flag: str | os.PathLike[str] | None = None) -> Path:
    """--db wins, then $TRIAGE_DB, then history.json in the user data dir."""
    chosen = flag or os.environ.get(DB_ENV) or default_db_path()
    return Path(chosen).expanduser()


def config_path() -> Path:
    """$TRIAGE_CONFIG, else config.toml in the user config dir."""
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    return Path(user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def state_path() -> Path:
    """Small UI state (the chosen theme), kept apart from the user's config file."""
    return data_dir() / "ui-state.json"
