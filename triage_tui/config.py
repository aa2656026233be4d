"""Optional user configuration: config.toml, read with tomllib, validated by pydantic."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

from .domain.settings import Settings
from .errors import TriageError
from .paths import config_path


class ConfigError(TriageError):
    """A config problem, as one line that names the file and the key."""


def load_settings(path: Path | None = None) -> Settings:
    path = path or config_path()
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO or /dev/zero would hang the read
            raise ConfigError(f"config file {path} is not a regular file")
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    from pydantic import ValidationError  # only when there is a file to validate

    try:
        settings = Settings.model_validate(data)
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
    if settings.template is not None:
        template = settings.template.expanduser()
        if not template.is_absolute():
            template = path.parent / template
        if not template.is_file():
            raise ConfigError(f"config file {path}: template: no such file {template}")
        settings = settings.model_copy(update={"template": template})
    return settings
