"""yum/dnf/microdnf caches (LL305, LL306): a clean counts only when it empties the cache the install filled.

dnf and yum share a cache; microdnf 3 keeps its own in /var/cache/yum, and on Fedora 38-40 microdnf
is dnf5 while dnf is dnf4. From Fedora 41 on all three are dnf5.
"""

from __future__ import annotations

import pytest

from layerlint.rule import Finding
from rule_harness import fix_snippet, lint_snippet


def _hits(text: str, rule: str) -> list[Finding]:
    return [f for f in lint_snippet(text, (rule,)) if f.code == rule]


@pytest.mark.parametrize(
    ("base", "run", "rule", "left"),
    [
        ("registry.access.redhat.com/ubi9/ubi", "dnf install -y a && microdnf clean all", "LL306", True),
        ("registry.access.redhat.com/ubi9/ubi-minimal", "microdnf install -y a && dnf clean all", "LL306", True),
        ("registry.access.redhat.com/ubi9/ubi-minimal", "microdnf install -y a && yum clean all", "LL306", True),
        ("registry.access.redhat.com/ubi8/ubi", "yum install -y a && microdnf clean all", "LL305", True),
        ("fedora:40", "dnf install -y a && microdnf clean all", "LL306", True),
        ("registry.access.redhat.com/ubi9/ubi", "dnf install -y a && yum clean all", "LL306", False),
        ("registry.access.redhat.com/ubi9/ubi", "yum install -y a && dnf clean all", "LL305", False),
        ("registry.access.redhat.com/ubi9/ubi", "dnf5 install -y a && dnf clean all", "LL306", False),
        ("registry.access.redhat.com/ubi9/ubi-minimal", "microdnf install -y a && microdnf clean all", "LL306", False),
        ("registry.access.redhat.com/ubi9/ubi", "dnf install -y a && microdnf clean all && dnf clean all", "LL306", False),
        ("fedora:41", "dnf install -y a && microdnf clean all", "LL306", False),
        ("fedora", "microdnf install -y a && dnf clean all", "LL306", False),
        ("registry.fedoraproject.org/fedora-minimal:42", "dnf install -y a && microdnf clean all", "LL306", False),
    ],
)
def test_a_clean_counts_only_for_its_own_family(base: str, run: str, rule: str, left: bool) -> None:
    assert bool(_hits(f"FROM {base}\nRUN {run}\n", rule)) is left


def test_each_install_is_judged_by_its_own_family() -> None:
    text = "FROM centos:8\nRUN dnf install -y a && microdnf install -y b && microdnf clean all\n"
    [hit] = _hits(text, "LL306")
    assert hit.column == 5  # the dnf install, not the microdnf one
    assert "`microdnf clean all` empties only microdnf's own cache" in hit.message
    assert "run `dnf clean all` (or remove /var/cache/dnf or /var/cache/libdnf5)" in hit.message


def test_microdnf_install_is_told_about_its_own_folder() -> None:
    [hit] = _hits("FROM registry.access.redhat.com/ubi9/ubi-minimal\nRUN microdnf install -y a && dnf clean all\n", "LL306")
    assert "run `microdnf clean all` (or remove /var/cache/yum)" in hit.message


def test_onbuild_trigger_and_fix_with_the_install_tool() -> None:
    text = "ONBUILD RUN dnf install -y mariadb-10.4 && microdnf clean all\n"
    assert [h.line for h in _hits(text, "LL306")] == [1]
    assert fix_snippet(text, ("LL306",)) == "ONBUILD RUN dnf install -y mariadb-10.4 && microdnf clean all && dnf clean all\n"


def test_only_images_that_ship() -> None:
    text = "FROM centos:8 AS build\nRUN dnf install -y gcc && microdnf clean all\nFROM centos:8\nCOPY --from=build /x /x\n"
    assert _hits(text, "LL306") == []
