"""Pieces every subcommand shares: reading input, settings for a file, writing output."""

from __future__ import annotations

import os
import sys

from layerlint.cli import UsageError
from layerlint.settings import Settings
from layerlint.source import SourceFile, decode, read_source

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any


def read_input(path: str, stdin_filename: str | None = None) -> SourceFile:
    """Read a file, or stdin for ``-``; raises ``SourceError`` with a one-line message."""
    if path == "-":
        name = stdin_filename or "-"
        return SourceFile(name, decode(sys.stdin.buffer.read(), name))
    return read_source(path)


def parse_build_args(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not key:
            raise UsageError(f"--build-arg {item!r}: expected KEY=VALUE")
        if not eq:
            env = os.environ.get(key)
            if env is None:
                continue  # docker build: a bare KEY takes the value from the environment, if set
            value = env
        out[key] = value
    return out


def split_list(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(s.strip() for s in text.split(",") if s.strip())


def overrides(args: argparse.Namespace) -> dict[str, Any]:
    """Command-line settings, which beat any config file."""
    out: dict[str, Any] = {}
    for name in ("select", "extend_select", "ignore"):
        value = split_list(getattr(args, name, None))
        if value is not None:
            out[name] = value
    threshold = getattr(args, "failure_threshold", None)
    if threshold:
        from layerlint.rule import Severity

        try:
            out["failure_threshold"] = Severity.parse(threshold)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if getattr(args, "target", None):
        out["target"] = args.target
    if getattr(args, "builder", None):
        out["builder"] = args.builder
    if getattr(args, "build_arg", None):
        out["build_args"] = parse_build_args(args.build_arg)
    if getattr(args, "context", None):
        out["context"] = args.context
    if getattr(args, "shellcheck", None):
        out["shellcheck"] = True
    return out


def settings_for(path: str, args: argparse.Namespace) -> Settings:
    """Settings for one file: defaults < config file found from it < command line."""
    from layerlint import config

    try:
        return config.settings_for(
            path,
            overrides(args),
            config_file=getattr(args, "config", None),
            isolated=getattr(args, "isolated", False),
        )
    except config.ConfigError as exc:
        raise UsageError(str(exc)) from None


def write_output(text: str, output_file: str | None) -> None:
    if output_file:
        from layerlint.fsutil import write_atomic

        write_atomic(output_file, text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def context_dir(path: str, settings: Settings) -> str | None:
    if settings.context:
        return settings.context
    if path == "-":
        return None
    return os.path.dirname(os.path.abspath(path))
