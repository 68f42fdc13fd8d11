"""pip's cache rules: LL544 (a false-looking PIP_NO_CACHE_DIR) next to LL303 (cache left in the layer).

pip turns its cache off for any valid PIP_NO_CACHE_DIR value (pip's ``_handle_no_cache_dir``), so a
value that reads "false" is misleading, not a cache left behind.
"""

from __future__ import annotations

import pytest

from layerlint.rule import Finding, Safety
from rule_harness import fix_snippet, lint_snippet


def _hits(text: str, *rules: str, **kw: object) -> list[Finding]:
    return [f for f in lint_snippet(text, rules, **kw) if f.code in rules]  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["0", "false", "FALSE", "No", "off", "n", "f", '"false"', "'0'"])
def test_false_looking_values_are_reported_and_leave_no_cache(value: str) -> None:
    text = f"FROM python:3.12\nENV PIP_NO_CACHE_DIR={value}\nRUN pip install flask\n"
    assert [(f.code, f.line) for f in _hits(text, "LL544", "LL303")] == [("LL544", 2)]


@pytest.mark.parametrize("value", ["1", "true", "yes", "on", "", "$X", "${NO_CACHE:-0}"])
def test_other_values_are_not_reported(value: str) -> None:
    text = f"FROM python:3.12\nARG X\nENV PIP_NO_CACHE_DIR={value}\nRUN PIP_NO_CACHE_DIR={value} pip install x\n"
    assert _hits(text, "LL544") == []


def test_reported_without_a_pip_command_and_in_every_place_pip_reads_it() -> None:
    text = (
        "FROM python:3.12\n"
        "ARG PIP_NO_CACHE_DIR=off\n"
        "RUN export A=1 PIP_NO_CACHE_DIR=0; ./build.sh\n"
        'RUN sh -c "PIP_NO_CACHE_DIR=no make wheels"\n'
        'RUN ["env", "PIP_NO_CACHE_DIR=false", "make"]\n'
        "ONBUILD ENV PIP_NO_CACHE_DIR=0\n"
    )
    assert [f.line for f in _hits(text, "LL544")] == [2, 3, 4, 5, 6]


def test_a_shell_variable_assignment_that_is_not_exported_is_not_reported() -> None:
    assert _hits("FROM python:3.12\nRUN PIP_NO_CACHE_DIR=0; pip install x\n", "LL544") == []


def test_hit_spans_the_assignment_and_the_message_says_what_pip_does() -> None:
    [hit] = _hits("FROM python:3.12\nRUN PIP_NO_CACHE_DIR=Off pip install x\n", "LL544")
    assert (hit.line, hit.column, hit.end_column) == (2, 5, 25)
    assert hit.message.startswith("PIP_NO_CACHE_DIR=Off still turns pip's cache off")
    assert hit.aliases == ("DL3042",)


def test_fix_writes_one_everywhere_and_is_safe() -> None:
    text = (
        "FROM python:3.12\n"
        'ENV PIP_NO_CACHE_DIR="false" B=2\n'
        "RUN PIP_NO_CACHE_DIR=0 \\\n"
        "    pip install x && export PIP_NO_CACHE_DIR='no'\n"
        'RUN ["env", "PIP_NO_CACHE_DIR=0", "pip", "install", "y"]\n'
    )
    assert all(f.fix is not None and f.fix.safety is Safety.SAFE for f in _hits(text, "LL544"))
    assert fix_snippet(text, ("LL544",)) == (
        "FROM python:3.12\n"
        "ENV PIP_NO_CACHE_DIR=1 B=2\n"
        "RUN PIP_NO_CACHE_DIR=1 \\\n"
        "    pip install x && export PIP_NO_CACHE_DIR=1\n"
        'RUN ["env", "PIP_NO_CACHE_DIR=1", "pip", "install", "y"]\n'
    )


def test_hadolint_code_selects_and_suppresses_both_pip_rules() -> None:
    text = "FROM python:3.12\nRUN PIP_NO_CACHE_DIR=0 ./configure\nRUN pip install x\n"
    assert sorted(f.code for f in lint_snippet(text, ("DL3042",))) == ["LL303", "LL544"]
    silenced = "FROM python:3.12\n# hadolint ignore=DL3042\nENV PIP_NO_CACHE_DIR=0\n"
    assert _hits(silenced, "LL544") == []
