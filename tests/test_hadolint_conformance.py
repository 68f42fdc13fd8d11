"""layerlint against hadolint's own test suite, matched by alias.

``../shared/conformance/hadolint/cases.yaml`` holds hadolint's hspec cases (a DL code, a
Dockerfile, ``catch``/``pass``, sometimes an exact count and a config): 992 rule, 3
regression and 18 pragma cases.  Each case whose
code is an alias of a layerlint rule is linted with only that rule selected and must give
hadolint's verdict, unless ``tests/data/hadolint_disagreements.yaml`` lists it with the
reason layerlint deliberately differs.  Codes no rule aliases yet count as "not covered".

``python tests/test_hadolint_conformance.py`` prints per-rule and overall agreement.
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
CASES = REPO.parent / "shared" / "conformance" / "hadolint" / "cases.yaml"
DISAGREEMENTS = REPO / "tests" / "data" / "hadolint_disagreements.yaml"

# hadolint config keys -> the option names a rule aliasing the code may declare for them.
CONFIG_OPTIONS: dict[str, tuple[str, ...]] = {
    "trustedRegistries": ("registries",),
    "label-schema": ("label-schema", "schema", "labels"),
    "strict-labels": ("strict-labels", "strict"),
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """One case's verdict: ``agree``, ``disagree`` or ``uncovered`` (no rule has the alias)."""

    key: str
    code: str
    verdict: str
    detail: str = ""


def _load_yaml(path: Path) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=loader)


@cache
def load_cases() -> tuple[dict[str, Any], ...]:
    """Every case of the file: rule, regression and pragma cases (a pragma case is a rule case
    whose Dockerfile carries ``# hadolint`` comments; the engine applies them as it would for
    a user).  hadolint's own 99.6 % is over the same cases plus ShellCheck's, which
    ``tests/test_shellcheck.py`` runs."""
    return tuple(c for c in _load_yaml(CASES) if not c["rule"].startswith("SC"))


def case_key(case: dict[str, Any]) -> str:
    """``spec:line`` plus ``[onbuild]`` for the ONBUILD variant: unique over the file."""
    return case["source"] + (f"[{case['variant']}]" if case.get("variant") else "")


@cache
def known_disagreements() -> dict[str, str]:
    if not DISAGREEMENTS.exists():
        return {}
    entries = _load_yaml(DISAGREEMENTS) or []
    return {e["case"]: e["reason"] for e in entries}


def _rules_for(code: str) -> list[str]:
    from layerlint import catalog

    return [m.id for m in catalog.load().values() if code.upper() in (a.upper() for a in m.aliases)]


def _options(rule_ids: list[str], config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Map a hadolint config onto the options the selected rules declare."""
    from layerlint import catalog

    metas = catalog.load()
    options: dict[str, dict[str, Any]] = {}
    for rid in rule_ids:
        for key, value in config.items():
            for name in CONFIG_OPTIONS.get(key, ()):
                if name in metas[rid].options:
                    options.setdefault(rid, {})[name] = value
    return options


def _lint(text: str, **settings: Any) -> list[Any]:
    from layerlint.engine import lint_source
    from layerlint.settings import Settings
    from layerlint.source import SourceFile

    # hadolint's test helper appends one newline before parsing.
    return lint_source(SourceFile("Dockerfile", text + "\n"), Settings(**settings)).findings


def run_case(case: dict[str, Any]) -> Outcome:
    """Lint one case the way hadolint's spec ran it and compare the verdict."""
    key = case_key(case)
    code = case["rule"]
    config = case.get("config") or {}
    if code == "ANY":
        # Only rules with a hadolint counterpart can disagree with "no hadolint rule fires".
        ignored = {c.upper() for c in config.get("ignored", ())}
        found = [
            f
            for f in _lint(case["dockerfile"], ignore=tuple(config.get("ignored", ())))
            if any(a.startswith("DL") and a.upper() not in ignored for a in f.aliases)
        ]
        detail = ", ".join(f"{f.code}@{f.line}" for f in found)
        return Outcome(key, code, "disagree" if found else "agree", detail)
    rule_ids = _rules_for(code)
    if not rule_ids:
        return Outcome(key, code, "uncovered")
    findings = _lint(case["dockerfile"], select=tuple(rule_ids), options=_options(rule_ids, config))
    found = sum(1 for f in findings if f.code in rule_ids)
    if "count" in case:
        ok = found == case["count"]
    else:
        ok = (found > 0) == (case["expect"] == "catch")
    detail = f"expected {case['expect']}{' x' + str(case['count']) if 'count' in case else ''}, found {found}"
    return Outcome(key, code, "agree" if ok else "disagree", detail)


@cache
def outcomes() -> tuple[Outcome, ...]:
    return tuple(run_case(c) for c in load_cases())


def summary(out: Any = None) -> float:
    """Print per-code and overall agreement; returns agreement over all cases (uncovered count as misses)."""
    out = out or sys.stdout
    per: dict[str, Counter[str]] = {}
    for o in outcomes():
        per.setdefault(o.code, Counter())[o.verdict] += 1
    total = Counter(o.verdict for o in outcomes())
    n = sum(total.values())
    covered = total["agree"] + total["disagree"]
    for code in sorted(per):
        c = per[code]
        if c["uncovered"]:
            print(f"{code:7} not covered ({c['uncovered']} cases)", file=out)
        else:
            print(f"{code:7} {c['agree']:3}/{c['agree'] + c['disagree']:3} agree", file=out)
    overall = total["agree"] / n if n else 0.0
    print(
        f"covered {covered}/{n} cases ({covered / n:.2%}); agree {total['agree']}/{covered} covered "
        f"({total['agree'] / covered if covered else 0:.2%}); overall {total['agree']}/{n} ({overall:.2%})",
        file=out,
    )
    return overall


@pytest.fixture(scope="module")
def all_outcomes() -> tuple[Outcome, ...]:
    if not CASES.exists():
        pytest.skip(f"hadolint conformance data not found at {CASES} (expected ../shared next to the repository)")
    return outcomes()


def test_agrees_with_hadolint_except_listed_disagreements(all_outcomes: tuple[Outcome, ...]) -> None:
    listed = known_disagreements()
    unexpected = [f"{o.key} {o.code}: {o.detail}" for o in all_outcomes if o.verdict == "disagree" and o.key not in listed]
    overall = summary()
    assert unexpected == []
    assert overall >= 0.99  # the compatibility goal: at least 99 % of hadolint's cases agree


def test_listed_disagreements_still_disagree(all_outcomes: tuple[Outcome, ...]) -> None:
    """A listed case that now agrees (or no longer exists) must leave the list."""
    by_key = {o.key: o for o in all_outcomes}
    stale = [k for k in known_disagreements() if k not in by_key or by_key[k].verdict != "disagree"]
    assert stale == []


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    summary()
