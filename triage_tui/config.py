"""Optional user configuration: config.toml, read with tomllib, validated by pydantic."""

from __future__ import annotations

import dataclasses
import os
import stat
import tomllib
from datetime import datetime
from pathlib import Path

from .domain.settings import Settings
from .errors import TriageError
from .paths import CONFIG_ENV, config_path


class ConfigError(TriageError):
    """A config problem, as one line that names the file and the key."""


def load_settings(path: Path | None = None) -> Settings:
    """The settings from ``path`` (default: $TRIAGE_CONFIG, else config.toml in the user
    config dir). Only the default location may be absent: a file someone named must exist."""
    named = path is not None or bool(os.environ.get(CONFIG_ENV))
    path = path or config_path()
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO or /dev/zero would hang the read
            raise ConfigError(f"config file {path} is not a regular file")
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if named:
            source = f" (named by {CONFIG_ENV})" if path == config_path() else ""
            raise ConfigError(f"config file {path}{source} does not exist") from None
        return Settings()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    if not data:  # an empty file: the defaults, without loading pydantic
        return Settings()
    from pydantic import ValidationError  # only when there is a file to validate

    try:
        settings = Settings.validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"] if p != "[key]") or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "unexpected_keyword_argument":
            msg = "unknown key"
        # our own checks say "field: problem"; fold the field into the key
        field, sep, rest = msg.partition(": ")
        if sep and " " not in field:
            key = f"{key}.{field}" if key != "(top level)" else field
            msg = rest
        raise ConfigError(f"config file {path}: {key}: {msg}") from None
    for key in ("template", "update_template"):  # the brief's and the customer update's
        template = getattr(settings, key)
        if template is None:
            continue
        template = template.expanduser()
        if not template.is_absolute():
            template = path.parent / template
        if not template.is_file():
            raise ConfigError(f"config file {path}: {key}: no such file {template}")
        settings = dataclasses.replace(settings, **{key: template})
    return settings


NOW_ENV = "TRIAGE_NOW"


def current_time() -> datetime:
    """Now (aware, local time zone), or $TRIAGE_NOW (ISO 8601) when it is set: every
    command and the TUI take their time from here."""
    from .domain.clock import current_time as domain_now

    try:
        return domain_now(os.environ.get(NOW_ENV))
    except ValueError as exc:
        raise ConfigError(f"{NOW_ENV}: {exc}") from None
