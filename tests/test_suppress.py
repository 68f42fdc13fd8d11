"""Inline suppressions: scopes, forms, accountability (LL003/LL004), BuildKit's check options."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import conformance
from layerlint import catalog, suppress
from layerlint.engine import lint_source, make_finding
from layerlint.rule import Finding, Hit, Severity
from layerlint.settings import Settings
from layerlint.source import SourceFile, Span
from rule_harness import lint_snippet

META = ("LL003", "LL004")
BAD_COPY = "COPY --owner=app . /app"  # LL002: unknown flag


def found(text: str, select: tuple[str, ...] = ("LL002", *META), **settings: object) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in lint_snippet(text, select, **settings)]


def synthetic(text: str, at: list[tuple[str, str]], enabled: set[str] | None = None) -> list[Finding]:
    """Run ``suppress.apply`` on findings placed by hand at the first occurrence of each needle."""
    result = lint_source(SourceFile("Dockerfile", text), Settings(select=()))
    ctx = result.context
    findings = []
    for code, needle in at:
        start = text.index(needle)
        findings.append(make_finding(ctx.source, code, Hit(Span(start, start + len(needle)), "synthetic")))
    enabled = enabled if enabled is not None else {c for c, _ in at} | set(META)
    return suppress.apply(ctx, findings, enabled, lambda c, s, m: make_finding(ctx.source, c, Hit(s, m)))


def apply_fix(text: str, finding: Finding) -> str:
    assert finding.fix is not None
    for edit in sorted(finding.fix.edits, key=lambda e: e.span.start, reverse=True):
        text = text[: edit.span.start] + edit.text + text[edit.span.end :]
    return text


# --------------------------------------------------------------------------- scopes


def test_next_instruction_ignore_covers_only_the_instruction_below() -> None:
    text = f"FROM alpine\n# layerlint: ignore=LL002  # legacy flag\n{BAD_COPY}\n{BAD_COPY}\n"
    assert found(text) == [("LL002", 4)]


def test_comment_lines_may_sit_between_but_a_blank_line_detaches_the_suppression() -> None:
    assert found(f"FROM alpine\n# layerlint: ignore=LL002\n# why: vendor image\n{BAD_COPY}\n") == []
    detached = found(f"FROM alpine\n# layerlint: ignore=LL002\n\n{BAD_COPY}\n")
    assert detached == [("LL003", 2), ("LL002", 4)]
    message = next(f.message for f in lint_snippet(f"FROM alpine\n# layerlint: ignore\n\n{BAD_COPY}\n", ("LL002", "LL003")) if f.code == "LL003")
    assert "no instruction" in message


def test_suppression_inside_continuation_lines_covers_that_instruction() -> None:
    text = "FROM alpine\nCOPY --owner=app \\\n# layerlint: ignore=LL002\n  . /app\n"
    assert found(text) == []


def test_next_instruction_scope_includes_the_heredoc_body() -> None:
    text = "FROM alpine\n# layerlint: ignore=LL001\nRUN <<EOF\necho body\nEOF\nRUN echo after\n"
    kept = synthetic(text, [("LL001", "echo body"), ("LL001", "echo after")])
    assert [(f.code, f.line) for f in kept] == [("LL001", 6)]


def test_stage_ignore_covers_the_rest_of_the_stage_only() -> None:
    text = f"FROM alpine AS a\n{BAD_COPY}\n# layerlint: stage-ignore=LL002\n{BAD_COPY}\nRUN x\n{BAD_COPY}\nFROM alpine\n{BAD_COPY}\n"
    assert found(text) == [("LL002", 2), ("LL002", 8)]


def test_stage_ignore_above_from_covers_that_whole_stage() -> None:
    text = f"FROM alpine\n{BAD_COPY}\n# layerlint: stage-ignore\nFROM alpine\n{BAD_COPY}\n{BAD_COPY}\n"
    assert found(text) == [("LL002", 2)]


@pytest.mark.parametrize("verb", ["file-ignore", "global-ignore"])
def test_file_ignore_covers_every_stage(verb: str) -> None:
    text = f"FROM alpine\n{BAD_COPY}\nFROM alpine\n# layerlint: {verb}=LL002\n{BAD_COPY}\n"
    assert found(text) == []


@pytest.mark.parametrize("name", ["LL002", "invalid-instruction", "ll002", "LL002,LL001", "LL001 LL002"])
def test_rules_may_be_named_by_id_name_any_case_and_listed(name: str) -> None:
    assert found(f"FROM alpine\n# layerlint: ignore={name}\n{BAD_COPY}\n", ("LL002", "LL004")) == []


def test_alias_names_a_rule() -> None:
    text = 'FROM alpine\n# layerlint: ignore=DL1000\nCMD ["a", ["b"]]\n'
    assert found(text, ("LL001", *META)) == []


def test_bare_ignore_covers_every_rule_and_other_rules_stay_reported() -> None:
    text = f'FROM alpine\n# layerlint: ignore\nCMD ["a", ["b"]]\n# layerlint: ignore=LL001\n{BAD_COPY}\n'
    assert found(text, ("LL001", "LL002", "LL004")) == [("LL002", 5)]


# --------------------------------------------------------------------------- hadolint forms


def test_hadolint_ignore_global_and_stage_forms() -> None:
    assert found(f"FROM alpine\n# hadolint ignore=LL002\n{BAD_COPY}\n{BAD_COPY}\n") == [("LL002", 4)]
    assert found(f"# hadolint global ignore = LL002 , LL001\nFROM alpine\n{BAD_COPY}\n") == []
    staged = f"FROM alpine\n{BAD_COPY}\n# hadolint stage ignore=LL002\nFROM alpine\n{BAD_COPY}\n"
    assert found(staged) == [("LL002", 2)]


def test_hadolint_stage_ignore_not_above_from_is_reported_and_inert() -> None:
    text = f"FROM alpine\n# hadolint stage ignore=LL002\n{BAD_COPY}\n"
    assert found(text) == [("LL004", 2), ("LL002", 3)]


def test_hadolint_pragma_with_a_non_code_is_void_as_in_hadolint() -> None:
    findings = lint_snippet(f"FROM alpine\n# hadolint ignore=crazy,LL002\n{BAD_COPY}\n", ("LL002", *META))
    assert [(f.code, f.line) for f in findings] == [("LL004", 2), ("LL002", 3)]
    assert "crazy" in findings[0].message and "whole pragma" in findings[0].message


def test_hadolint_codes_without_a_layerlint_rule_are_skipped_silently() -> None:
    assert found(f"FROM alpine\n# hadolint ignore=SC2086,DL3999,LL002\n{BAD_COPY}\n") == []


def test_hadolint_shell_pragma_sets_the_shell_override() -> None:
    result = lint_source(SourceFile("Dockerfile", "# hadolint shell=powershell # windows\nFROM alpine\n"), Settings(select=()))
    assert suppress.prepare(result.context).shell == "powershell"
    assert result.context.shell_override == "powershell"


def test_unknown_hadolint_pragma_is_reported() -> None:
    findings = lint_snippet(f"FROM alpine\n# hadolint ignroe=LL002\n{BAD_COPY}\n", ("LL002", "LL004"))
    assert [(f.code, f.line) for f in findings] == [("LL004", 2), ("LL002", 3)]
    assert "did you mean 'ignore'" in findings[0].message
    assert found("# hadolint is the linter we used before\nFROM alpine\n") == []


# --------------------------------------------------------------------------- LL003 unused


def test_unused_suppression_is_reported_and_fixed_by_removing_the_line() -> None:
    text = "FROM alpine\n# layerlint: ignore=LL002\nRUN echo ok\n"
    [finding] = lint_snippet(text, ("LL002", "LL003"))
    assert (finding.code, finding.line, finding.column) == ("LL003", 2, 1)
    assert "LL002" in finding.message
    assert apply_fix(text, finding) == "FROM alpine\nRUN echo ok\n"


def test_partly_unused_suppression_reports_and_removes_only_the_unused_name() -> None:
    text = f"FROM alpine\n# layerlint: ignore=LL001, LL002 # reason\n{BAD_COPY}\n"
    [finding] = lint_snippet(text, ("LL001", "LL002", "LL003"))
    assert finding.code == "LL003" and "LL001" in finding.message and "LL002" not in finding.message
    assert finding.column == len("# layerlint: ignore=") + 1
    assert apply_fix(text, finding) == f"FROM alpine\n# layerlint: ignore=LL002 # reason\n{BAD_COPY}\n"


def test_hadolint_pragmas_are_kept_for_hadolint_and_never_reported_unused() -> None:
    text = f"FROM alpine\n# hadolint ignore=LL001, LL002\n# hadolint global ignore=DL3009\n{BAD_COPY}\n"
    assert found(text, ("LL001", "LL002", "LL003", "LL301")) == []


@pytest.mark.parametrize("form", ["# layerlint: ignore=LL001", "# hadolint ignore=LL001", "# hadolint global ignore=LL001"])
def test_suppressions_of_rules_that_did_not_run_are_not_judged(form: str) -> None:
    assert found(f"FROM alpine\n{form}\nRUN echo ok\n", ("LL002", "LL003")) == []


def test_a_suppression_never_hides_the_report_about_itself() -> None:
    assert found("# layerlint: file-ignore\nFROM alpine\n", ("LL003",)) == [("LL003", 1)]
    text = "# layerlint: file-ignore=LL003\nFROM alpine\n# layerlint: ignore=LL002\nRUN echo ok\n"
    assert found(text, ("LL002", "LL003")) == []


def test_ll003_off_means_no_report() -> None:
    assert found("FROM alpine\n# layerlint: ignore=LL002\nRUN echo ok\n", ("LL002", "LL004")) == []


# --------------------------------------------------------------------------- LL004 invalid


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FROM alpine\n# layerlint: ignore=LL0002\nRUN x\n", "did you mean 'LL002'"),
        ("FROM alpine\n# layerlint: ignore=invalid-instructions\nRUN x\n", "did you mean 'invalid-instruction'"),
        ("FROM alpine\n# layerlint: ignroe=LL002\nRUN x\n", "did you mean 'ignore'"),
        ("FROM alpine\n# layerlint: ignore=\nRUN x\n", "no rule after"),
        ("FROM alpine\n# layerlint: ignore LL002\nRUN x\n", "cannot read"),
        ("# check=skip=JSONArgsRecomended\nFROM alpine\n", "did you mean 'JSONArgsRecommended'"),
        ("# check=skip=LL002;colour=true\nFROM alpine\n", "invalid check option 'colour'"),
        ("# check=skip\nFROM alpine\n", "invalid check option 'skip'"),
        ("# check=error=maybe\nFROM alpine\n", "not a boolean"),
    ],
)
def test_invalid_suppressions_are_reported_at_their_line(text: str, expected: str) -> None:
    findings = lint_snippet(text, ("LL004",))
    comment_line = 1 if text.startswith("#") else 2
    assert [(f.code, f.line) for f in findings] == [("LL004", comment_line)]
    assert expected in findings[0].message


def test_unknown_name_is_pointed_at_precisely() -> None:
    [finding] = lint_snippet("FROM alpine\n# layerlint: ignore=LL002,LL0002\nRUN echo ok\n", ("LL004",))
    assert (finding.column, finding.end_column) == (len("# layerlint: ignore=LL002,") + 1, len("# layerlint: ignore=LL002,LL0002") + 1)


# --------------------------------------------------------------------------- BuildKit check options


def test_check_directive_skip_names_rules_and_skip_all_only_buildkit_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    text = f"# check=skip=LL002\nFROM alpine\n{BAD_COPY}\n"
    assert found(text) == []
    assert found(f"# check=skip=all\nFROM alpine\n{BAD_COPY}\n") == [("LL002", 3)]
    monkeypatch.setattr(suppress, "_buildkit_rules", lambda: frozenset({"LL002"}))
    assert found(f"# check=skip=all\nFROM alpine\n{BAD_COPY}\n") == []


def test_check_directive_error_true_raises_buildkit_checks_to_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "# check=error=true\nFROM alpine\nRUN echo\n"
    [finding] = synthetic(text, [("LL003", "RUN echo")], enabled=set())
    assert finding.severity is Severity.INFO  # not one of BuildKit's checks
    monkeypatch.setattr(suppress, "_buildkit_rules", lambda: frozenset({"LL003"}))
    [finding] = synthetic(text, [("LL003", "RUN echo")], enabled=set())
    assert finding.severity is Severity.ERROR
    [finding] = synthetic("# check=error=false\nFROM alpine\nRUN echo\n", [("LL003", "RUN echo")], enabled=set())
    assert finding.severity is Severity.INFO


def test_build_argument_replaces_the_check_directive() -> None:
    text = f'# check=skip=LL002\nFROM alpine\n{BAD_COPY}\nCMD ["a", ["b"]]\n'
    select = ("LL001", "LL002", *META)
    assert found(text, select) == [("LL001", 4)]
    assert found(text, select, build_args={"BUILDKIT_DOCKERFILE_CHECK": "skip=LL001"}) == [("LL002", 3)]


def test_buildkit_check_names_without_a_rule_are_valid() -> None:
    assert found("# check=skip=JSONArgsRecommended,StageNameCasing;experimental=all\nFROM alpine\n") == []


def test_check_comment_after_the_directives_is_not_a_directive() -> None:
    assert found(f"FROM alpine\n# check=skip=LL002\n{BAD_COPY}\n") == [("LL002", 3)]


def test_disable_ignore_pragma_setting_turns_suppressions_off() -> None:
    text = f"FROM alpine\n# layerlint: ignore=LL002\n{BAD_COPY}\n"
    assert found(text, disable_ignore_pragma=True) == [("LL002", 3)]


# --------------------------------------------------------------------------- hadolint conformance


def _pragma_cases() -> list[dict]:
    path = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "hadolint" / "cases.yaml"
    if not path.exists():
        return []
    return [c for c in yaml.safe_load(path.read_text(encoding="utf-8")) if c.get("suite") == "pragma"]


PRAGMA_CASES = _pragma_cases()


def test_pragma_suite_is_present() -> None:
    conformance("hadolint", "cases.yaml")
    assert len(PRAGMA_CASES) == 18


@pytest.mark.parametrize("case", PRAGMA_CASES, ids=[f"{c['rule']}-{c['source'].rsplit(':', 1)[-1]}" for c in PRAGMA_CASES])
def test_hadolint_pragma_case(case: dict) -> None:
    ids = catalog.resolve_all(case["rule"])
    if not ids:
        pytest.skip(f"no layerlint rule carries alias {case['rule']} yet")
    findings = lint_snippet(case["dockerfile"] + "\n", tuple(ids))
    hits = [f for f in findings if f.code in ids]
    assert bool(hits) == (case["expect"] == "catch"), [(f.code, f.line, f.message) for f in findings]


def test_buildkit_check_comment_above_an_instruction_skips_for_it_only() -> None:
    text = (
        "FROM scratch\n"
        "# check=skip=MaintainerDeprecated // kept for old tooling\n"
        "MAINTAINER me@example.org\n"
        "MAINTAINER you@example.org\n"
        "# check=skip=all\n"
        "MAINTAINER them@example.org\n"
        "# check=skip=MaintainerDeprecated\n"
        "ENV A=1\n"
    )
    findings = lint_snippet(text, ("LL510", "LL003"))
    assert sorted((f.code, f.line) for f in findings) == [("LL510", 4)]
