"""layerlint against BuildKit's own build-check tests, matched by alias.

``../shared/conformance/buildkit/checks.yaml`` holds the cases of BuildKit's
``dockerfile_check_test.go``: a Dockerfile, sometimes a .dockerignore, build arguments or a
``BUILDKIT_DOCKERFILE_CHECK`` override, and every warning ``docker build --check`` gives, with
its line.  Each case is linted with every rule that carries a BuildKit check name as an alias
(an experimental check only when the case enables it, as BuildKit does) and must give exactly
the expected set of (check, line) pairs, unless ``tests/data/buildkit_disagreements.yaml``
lists it with the reason layerlint differs.

``python tests/test_buildkit_checks.py`` prints per-check and overall agreement.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from rule_harness import lint_snippet  # noqa: E402

CONFORMANCE = REPO.parent / "shared" / "conformance" / "buildkit"
CASES = CONFORMANCE / "checks.yaml"
DOCS = CONFORMANCE / "checks_docs_examples.yaml"
DISAGREEMENTS = REPO / "tests" / "data" / "buildkit_disagreements.yaml"
# The share of cases that must give BuildKit's exact set.  The goal is 0.95; the "pending" entries of
# DISAGREEMENTS (changes expected elsewhere) hold it lower for now: raise it as they go.
MIN_AGREEMENT = 0.95  # the compatibility goal; measured 86/87


def _load_yaml(path: Path) -> Any:
    import yaml

    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@cache
def buildkit_rules() -> dict[str, str]:
    """Rule id -> the BuildKit check it stands for."""
    from layerlint import catalog
    from layerlint.suppress import BUILDKIT_CHECKS

    out = {}
    for meta in catalog.load().values():
        names = [a for a in meta.aliases if a in BUILDKIT_CHECKS]
        if names:
            out[meta.id] = names[0]
    return out


def _experimental() -> set[str]:
    """BuildKit's experimental checks are opt-in rules here."""
    from layerlint import catalog

    metas = catalog.load()
    return {rid for rid in buildkit_rules() if not metas[rid].enabled}


def _build_args(case: dict[str, Any]) -> dict[str, str]:
    attrs = case.get("frontend_attrs") or {}
    return {k.split(":", 1)[1]: str(v) for k, v in attrs.items() if k.startswith("build-arg:")}


def _selection(case: dict[str, Any], build_args: dict[str, str]) -> tuple[str, ...]:
    """BuildKit's always-on checks, plus experimental ones the case turns on with `experimental=`."""
    from layerlint import suppress
    from layerlint.parse import parse
    from layerlint.source import SourceFile

    check = suppress.read(parse(SourceFile("Dockerfile", case["dockerfile"])), build_args).check
    experimental = _experimental()
    chosen = set(buildkit_rules()) - experimental
    if check.experimental_all:
        chosen |= experimental
    chosen |= {rid for ref in check.experimental for rid in ref.ids if rid in experimental}
    return tuple(sorted(chosen))


@dataclass(frozen=True, slots=True)
class Outcome:
    name: str
    rule: str
    agree: bool
    expected: frozenset[tuple[str, int]]
    found: frozenset[tuple[str, int]]

    @property
    def detail(self) -> str:
        missing = sorted(self.expected - self.found)
        extra = sorted(self.found - self.expected)
        return f"missing {missing}, extra {extra}"


def run_case(case: dict[str, Any]) -> Outcome:
    build_args = _build_args(case)
    select = _selection(case, build_args)
    files = {".dockerignore": case["dockerignore"]} if case.get("dockerignore") is not None else None
    findings = lint_snippet(case["dockerfile"], select, files=files, build_args=build_args)
    rules = buildkit_rules()
    found = frozenset((rules[f.code], f.line) for f in findings if f.code in rules)
    expected = frozenset((h["rule"], h["line"]) for h in case["hits"])
    return Outcome(case["name"], case["rule"], found == expected, expected, found)


@cache
def outcomes() -> tuple[Outcome, ...]:
    return tuple(run_case(c) for c in _load_yaml(CASES))


@cache
def known_disagreements() -> dict[str, str]:
    if not DISAGREEMENTS.exists():
        return {}
    return {e["case"]: e["reason"] for e in _load_yaml(DISAGREEMENTS) or []}


def summary(out: Any = None) -> float:
    """Print per-check and overall agreement; returns the overall share of agreeing cases."""
    out = out or sys.stdout
    per: dict[str, Counter[bool]] = {}
    for o in outcomes():
        per.setdefault(o.rule, Counter())[o.agree] += 1
    for rule in sorted(per):
        c = per[rule]
        print(f"{rule:32} {c[True]:3}/{c[True] + c[False]:3} agree", file=out)
    total = len(outcomes())
    agree = sum(o.agree for o in outcomes())
    print(f"BuildKit checks: {agree}/{total} cases give exactly BuildKit's (check, line) set ({agree / total:.1%})", file=out)
    return agree / total


@pytest.fixture(scope="module")
def all_outcomes() -> tuple[Outcome, ...]:
    if not CASES.exists():
        pytest.skip(f"BuildKit conformance data not found at {CASES} (expected ../shared next to the repository)")
    return outcomes()


def test_agrees_with_buildkit_except_listed_disagreements(all_outcomes: tuple[Outcome, ...]) -> None:
    listed = known_disagreements()
    unexpected = [f"{o.name}: {o.detail}" for o in all_outcomes if not o.agree and o.name not in listed]
    share = summary()
    assert unexpected == []
    assert share >= MIN_AGREEMENT


def test_listed_disagreements_still_disagree(all_outcomes: tuple[Outcome, ...]) -> None:
    """A listed case that now agrees (or no longer exists) must leave the list."""
    by_name = {o.name: o for o in all_outcomes}
    docs = {f"docs:{c['name']}" for c in _docs_cases()} if DOCS.exists() else set()
    stale = [
        k
        for k in known_disagreements()
        if (k in by_name and by_name[k].agree) or (k not in by_name and k not in docs)
    ]
    assert stale == []


def test_every_buildkit_check_is_covered_or_documented() -> None:
    """Each BuildKit check has a rule, except the ones docs/compatibility.md marks out of scope."""
    from layerlint.suppress import BUILDKIT_CHECKS

    out_of_scope = {"InvalidBaseImagePlatform"}
    assert set(BUILDKIT_CHECKS) - set(buildkit_rules().values()) == out_of_scope
    page = (REPO / "docs" / "compatibility.md").read_text(encoding="utf-8")
    assert all(name in page for name in BUILDKIT_CHECKS)


# --------------------------------------------------------------------------- documentation examples


@cache
def _docs_cases() -> tuple[dict[str, Any], ...]:
    return tuple(_load_yaml(DOCS))


def _docs_verdict(case: dict[str, Any]) -> bool:
    """Whether the rule fires on the example exactly when the documentation says it should."""
    rules = buildkit_rules()
    select = tuple(rid for rid, name in rules.items() if name == case["rule"])
    files = {".dockerignore": "tmp\n"} if case["rule"] == "CopyIgnoredFile" else None
    fired = any(f.code in select for f in lint_snippet(case["dockerfile"], select, files=files))
    return fired == (case["polarity"] == "bad")


def test_documentation_examples_behave_as_documented() -> None:
    """BuildKit's rule pages: complete bad examples are flagged, good ones are not."""
    if not DOCS.exists():
        pytest.skip(f"BuildKit documentation examples not found at {DOCS}")
    listed = known_disagreements()
    wrong = [c["name"] for c in _docs_cases() if c["complete"] and not _docs_verdict(c) and f"docs:{c['name']}" not in listed]
    assert wrong == []


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("ref", "valid"),
    [
        ("scratch", True),
        ("busybox:1.36", True),
        ("ghcr.io/org/app:v1@sha256:" + "a" * 64, True),
        ("localhost:5000/app", True),
        ("busybox:", False),
        ("", False),
        ("Busybox", False),
        ("busy box", False),
        ("a" * 64, False),
    ],
)
def test_valid_image_reference(ref: str, valid: bool) -> None:
    from layerlint.checks.buildkit_facts import valid_image_reference

    assert valid_image_reference(ref) is valid


def test_suggest_picks_the_closest_name_within_two_edits() -> None:
    from layerlint.checks.buildkit_facts import suggest

    assert suggest("BULIDPLATFORM", {"BUILDPLATFORM", "TARGETPLATFORM"}) == "BUILDPLATFORM"
    assert suggest("DIR_ASSET", {"DIR_ASSETS", "DIR_CONFIG"}) == "DIR_ASSETS"
    assert suggest("VERSION", {"PATH"}) is None
    assert suggest("PATH", {"PATH", "PATHS"}) is None


def test_image_env_knows_official_images_only() -> None:
    from layerlint.checks.buildkit_facts import image_env

    assert "PYTHON_VERSION" in (image_env("docker.io/library/python:3.12-slim") or ())
    assert image_env("alpine:3.20") == frozenset({"PATH"})
    assert image_env("example.com/team/base:1") is None


@pytest.mark.parametrize(
    ("ignore", "source", "expected"),
    [
        ("config", "config/app.toml", "config/app.toml"),
        ("config\n!config/app.toml", "config/app.toml", None),
        ("config\n!docs/*.md", "config/app.toml", "config/app.toml"),  # the exception cannot reach it
        ("*", ".", "."),
        (".*", ".", None),
    ],
)
def test_excluded_source(ignore: str, source: str, expected: str | None) -> None:
    from layerlint.checks.buildkit_instructions import excluded_source
    from layerlint.dockerignore import DockerIgnore

    assert excluded_source(DockerIgnore.parse(ignore), source) == expected


if __name__ == "__main__":
    summary()
