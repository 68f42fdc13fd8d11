"""Every rule page's examples run as tests, so the docs cannot lie (ARCHITECTURE.md §4-5)."""

from __future__ import annotations

import inspect

import pytest

from layerlint import catalog
from layerlint.engine import load_checks
from layerlint.rule import REGISTRY
from rule_harness import lint_snippet

RULES = catalog.load()
EXAMPLES = [(rid, n, ex) for rid, meta in sorted(RULES.items()) for n, ex in enumerate(meta.examples)]


def _ids(case: tuple) -> str:
    return f"{case[0]}-{case[1]}"


@pytest.mark.parametrize("case", [c for c in EXAMPLES if c[2].get("bad")], ids=_ids)
def test_bad_example_is_flagged(case: tuple) -> None:
    rid, _, ex = case
    findings = lint_snippet(ex["bad"], (rid,), options={rid: ex["options"]} if ex.get("options") else None, files=ex.get("files"))
    hits = [f for f in findings if f.code == rid]
    assert hits, f"{rid} did not flag its bad example"
    if ex.get("lines"):
        assert sorted({f.line for f in hits}) == sorted(ex["lines"])


@pytest.mark.parametrize("case", [c for c in EXAMPLES if c[2].get("good")], ids=_ids)
def test_good_example_is_clean(case: tuple) -> None:
    rid, _, ex = case
    findings = lint_snippet(ex["good"], (rid,), options={rid: ex["options"]} if ex.get("options") else None, files=ex.get("files"))
    assert [f"{f.line}: {f.message}" for f in findings if f.code == rid] == []


def test_every_rule_has_exactly_one_check_and_vice_versa() -> None:
    load_checks(RULES)
    assert set(REGISTRY) == set(RULES)
    for rid, chk in REGISTRY.items():
        assert inspect.getmodule(chk.fn).__name__ == f"layerlint.checks.{RULES[rid].module}", rid


def test_compiled_catalog_is_fresh() -> None:
    """layerlint/data/catalog.json must be regenerated (python -m layerlint.catalog) after editing rules/."""
    assert catalog.main(["--check"]) == 0


def test_rule_ids_names_and_aliases_are_unambiguous() -> None:
    names = [m.name for m in RULES.values()]
    assert len(names) == len(set(names))
    for meta in RULES.values():
        assert catalog.resolve(meta.id) == meta.id
        assert catalog.resolve(meta.name) == meta.id
