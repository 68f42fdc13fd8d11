"""Every rule page's examples run as tests, so the docs cannot lie (ARCHITECTURE.md §4-5)."""

from __future__ import annotations

import inspect

import pytest

from layerlint import catalog
from layerlint.engine import load_checks
from layerlint.rule import REGISTRY
from rule_harness import fix_snippet, lint_snippet

RULES = catalog.load()
EXAMPLES = [(rid, n, ex) for rid, meta in sorted(RULES.items()) for n, ex in enumerate(meta.examples)]


def _needs_tools(rid: str) -> None:
    """Skip the examples of a rule whose external program is not installed (ShellCheck for LL090)."""
    if rid == "LL090":
        from layerlint.shellcheck import find_binary

        if find_binary() is None:
            pytest.skip("ShellCheck is not installed (pip install 'layerlint[shellcheck]')")


def _ids(case: tuple) -> str:
    return f"{case[0]}-{case[1]}"


@pytest.mark.parametrize("case", [c for c in EXAMPLES if c[2].get("bad")], ids=_ids)
def test_bad_example_is_flagged(case: tuple) -> None:
    rid, _, ex = case
    _needs_tools(rid)
    findings = lint_snippet(ex["bad"], (rid,), options={rid: ex["options"]} if ex.get("options") else None, files=ex.get("files"))
    hits = [f for f in findings if f.code == rid]
    assert hits, f"{rid} did not flag its bad example"
    if ex.get("lines"):
        assert sorted({f.line for f in hits}) == sorted(ex["lines"])
    declared = RULES[rid].fix
    for hit in hits:
        if hit.fix is not None:
            assert declared != "none", f"{rid} edits text but its page says fix: none"
            assert declared == "unsafe" or hit.fix.safety.value == "safe", f"{rid} declares safe fixes but made an unsafe one"


def _example_kwargs(rid: str, ex: dict) -> dict:
    return {"options": {rid: ex["options"]} if ex.get("options") else None, "files": ex.get("files")}


@pytest.mark.parametrize("case", [c for c in EXAMPLES if c[2].get("fixed")], ids=_ids)
def test_fixed_example_is_what_the_fix_produces(case: tuple) -> None:
    rid, _, ex = case
    assert RULES[rid].fix != "none", f"{rid} has a fixed example but declares no fix"
    fixed = fix_snippet(ex["bad"], (rid,), unsafe=ex.get("unsafe", False), **_example_kwargs(rid, ex))
    assert fixed == ex["fixed"]
    again = fix_snippet(fixed, (rid,), unsafe=ex.get("unsafe", False), **_example_kwargs(rid, ex))
    assert again == fixed, "a second --fix pass changed the text"


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


def test_generated_rule_reference_is_fresh() -> None:
    """docs/rules.md is generated from rules/*.yaml (python scripts/gen_rule_docs.py), never edited by hand."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "scripts" / "gen_rule_docs.py"
    result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
