"""Pinning rules and variables set in another stage (layerlint.checks.compat_pinning.package_values).

ENV and ARG do not carry across stages: a version variable that only another stage sets is
empty where the RUN runs, so the package is not pinned. A variable set nowhere in the file
may come from the base image and stays unknown.
"""

from __future__ import annotations

import pytest

from layerlint.rule import Finding
from rule_harness import lint_snippet


def _hits(text: str, rule: str) -> list[Finding]:
    return [f for f in lint_snippet(text, (rule,)) if f.code == rule]


@pytest.mark.parametrize(("rule", "tool"), [("LL434", "yum"), ("LL435", "dnf"), ("LL435", "microdnf")])
@pytest.mark.parametrize("setting", ["ENV version=2.51.0", "ARG version=2.51.0"])
def test_version_set_only_in_another_stage_is_empty_here(rule: str, tool: str, setting: str) -> None:
    text = f"FROM fedora:42 AS build\n{setting}\nFROM fedora:42\nRUN {tool} -y install git-core-${{version}}\n"
    [hit] = _hits(text, rule)
    assert hit.line == 4
    assert hit.message.startswith("`git-core-` is not pinned")
    assert "`${version}` is set only in stage `build`; ENV and ARG do not carry across stages" in hit.message


def test_an_unnamed_stage_and_a_global_arg_are_named_as_such() -> None:
    unnamed = "FROM fedora:42\nENV V=1\nFROM fedora:42\nRUN dnf -y install git-$V\n"
    assert "set only in stage `0`" in _hits(unnamed, "LL435")[0].message
    global_arg = "ARG V=1\nFROM fedora:42\nRUN dnf -y install git-$V\n"
    [hit] = _hits(global_arg, "LL435")
    assert "`${V}` is a global ARG, which a stage sees only after its own `ARG V`" in hit.message


@pytest.mark.parametrize(
    "text",
    [
        # set in the stage the RUN builds on
        "FROM fedora:42 AS build\nENV version=1\nFROM build\nRUN dnf -y install git-${version}\n",
        # declared in the RUN's stage: the value comes from --build-arg
        "FROM fedora:42 AS a\nARG version=1\nFROM fedora:42\nARG version\nRUN dnf -y install git-${version}\n",
        # a global ARG declared again in the stage
        "ARG version=1\nFROM fedora:42\nARG version\nRUN dnf -y install git-${version}\n",
        # set nowhere in the file: the base image may set it
        "FROM fedora:42\nRUN dnf -y install git-${GIT_VERSION}\n",
        # set later in this very stage, and in another one: not judged
        "FROM fedora:42 AS a\nENV v=1\nFROM fedora:42\nRUN dnf -y install git-$v\nENV v=2\n",
        # set by the script itself, or possibly by what it sources or loops over
        "FROM fedora:42 AS a\nENV v=1\nFROM fedora:42\nRUN v=2.4 && dnf -y install git-$v\n",
        "FROM fedora:42 AS a\nENV v=1\nFROM fedora:42\nRUN . /etc/versions && dnf -y install git-$v\n",
        "FROM fedora:42 AS a\nENV v=1\nFROM fedora:42\nRUN for v in 1 2; do dnf -y install git-$v; done\n",
        # a default applies when the variable is unset
        "FROM fedora:42 AS a\nENV v=1\nFROM fedora:42\nRUN dnf -y install git-${v:-2.4}\n",
        # an ONBUILD trigger runs in another build, with that build's variables
        "FROM fedora:42 AS a\nENV v=1\nFROM fedora:42\nONBUILD RUN dnf -y install git-$v\n",
    ],
)
def test_variables_the_run_may_see_are_not_judged(text: str) -> None:
    assert _hits(text, "LL435") == []


def test_other_pinning_rules_share_the_reading() -> None:
    go = "FROM golang:1.22 AS tools\nARG LINT=v1.59.0\nFROM golang:1.22\nRUN go install example.com/lint@${LINT}\n"
    [hit] = _hits(go, "LL437")
    assert "`example.com/lint@`" in hit.message and "set only in stage `tools`" in hit.message
    zypper = "FROM opensuse/leap:15.6 AS a\nENV V=1\nFROM opensuse/leap:15.6\nRUN zypper -n install git${V}\n"
    assert "set only in stage `a`" in _hits(zypper, "LL436")[0].message
