"""Cache-mount rules (LL207-LL210) on the edges of what package managers really do.

The main cases live in tests/test_cache_rules.py; these pin down how pip and uv read their
"no cache" variables.
"""

from __future__ import annotations

import pytest

from rule_harness import lint_snippet


def _lines(text: str, rule: str) -> list[int]:
    return sorted({f.line for f in lint_snippet(text, (rule,)) if f.code == rule})


@pytest.mark.parametrize(("env", "lines"), [("1", [3]), ("false", [3]), ("0", [3]), ('""', [])])
def test_pip_turns_its_cache_off_for_any_non_empty_no_cache_dir(env: str, lines: list[int]) -> None:
    text = (
        "FROM python:3.12-slim\n"
        f"ENV PIP_NO_CACHE_DIR={env}\n"
        "RUN --mount=type=cache,target=/root/.cache/pip pip install flask\n"
    )
    assert _lines(text, "LL207") == lines


@pytest.mark.parametrize(("env", "lines"), [("1", [3]), ("true", [3]), ("0", []), ("false", [])])
def test_uv_reads_uv_no_cache_as_a_boolean(env: str, lines: list[int]) -> None:
    text = (
        "FROM python:3.12-slim\n"
        f"ENV UV_NO_CACHE={env}\n"
        "RUN --mount=type=cache,target=/root/.cache/uv uv pip install --system flask\n"
    )
    assert _lines(text, "LL207") == lines
