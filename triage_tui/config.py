"""Optional user configuration: config.toml, read with tomllib, validated by pydantic."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from .domain.settings import Settings
from .paths import config_path


class ConfigError(Exception):
    """A config problem, as one line that names the file and the key."""


def load_settings(path: Path | None = None) -> Settings:
    path = path or config_path()
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(part) for part in err["loc"]) or "(top level)"
        raise ConfigError(f"config file {path}: {key}: {err['msg']}") from None
    if settings.template is not None:
        template = settings.template.expanduser()
        if not template.is_absolute():
            template = path.parent / template
        if not template.is_file():
            raise ConfigError(f"config file {path}: template: no such file {template}")
        settings = settings.model_copy(update={"template": template})
    return settings
