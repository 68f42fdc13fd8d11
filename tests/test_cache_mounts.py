"""Cache-mount rules (LL207-LL210) on the edges of what package managers really do.

The main cases live in tests/test_cache_rules.py; these pin down how pip and uv read their
"no cache" variables.
"""

from __future__ import annotations

import pytest

from rule_harness import lint_snippet


def _lines(text: str, rule: str) -> list[int]:
    return sorted({f.line for f in lint_snippet(text, (rule,)) if f.code == rule})


_PIP = ("PIP_NO_CACHE_DIR", "/root/.cache/pip", "pip install flask")
_UV = ("UV_NO_CACHE", "/root/.cache/uv", "uv pip install --system flask")


@pytest.mark.parametrize(
    ("tool", "value", "lines"),
    [
        # pip turns its cache off for any non-empty PIP_NO_CACHE_DIR, false-looking values included
        (_PIP, "1", [3]),
        (_PIP, "false", [3]),
        (_PIP, "0", [3]),
        (_PIP, '""', []),
        # uv reads UV_NO_CACHE as a boolean
        (_UV, "1", [3]),
        (_UV, "true", [3]),
        (_UV, "0", []),
        (_UV, "false", []),
    ],
)
def test_no_cache_variables_read_as_each_tool_reads_them(tool: tuple[str, str, str], value: str, lines: list[int]) -> None:
    name, cache, command = tool
    text = f"FROM python:3.12-slim\nENV {name}={value}\nRUN --mount=type=cache,target={cache} {command}\n"
    assert _lines(text, "LL207") == lines


@pytest.mark.parametrize(
    ("prefix", "lines"),
    [("PIP_NO_CACHE_DIR=0 ", [2]), ("export PIP_NO_CACHE_DIR=false && ", [2]), ("PIP_NO_CACHE_DIR= ", []), ("", [])],
)
def test_no_cache_variable_set_inside_the_run_counts_too(prefix: str, lines: list[int]) -> None:
    text = f"FROM python:3.12-slim\nRUN --mount=type=cache,target=/root/.cache/pip {prefix}pip install flask\n"
    assert _lines(text, "LL207") == lines
