"""Configuration files (placeholder until the config module lands): defaults plus overrides."""

from __future__ import annotations

from typing import Any

from layerlint.settings import Settings


class ConfigError(Exception):
    pass


def settings_for(path: str, overrides: dict[str, Any], *, config_file: str | None = None, isolated: bool = False) -> Settings:
    return Settings(**overrides)
