"""The fix applier: ordering, overlaps, rollback, line endings, idempotence, atomic writes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from layerlint import catalog
from layerlint.catalog import RuleMeta
from layerlint.cli import main
from layerlint.fix import add_ignores, apply_edits, fix_source
from layerlint.model import Instruction
from layerlint.rule import REGISTRY, Check, Edit, Fix, Hit, RuleContext, Safety
from layerlint.settings import Settings
from layerlint.source import SourceFile, Span


def _meta(code: str, fix: str) -> RuleMeta:
    return RuleMeta(code, f"test-{code.lower()}", (), "style", "warning", fix, "syntax", "test", "test", {}, ())


def upper_keyword(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    """Test rule: lower-case keywords become upper case (safe)."""
    if ins.keyword_raw != ins.keyword:
        yield ctx.hit(ins.keyword_span, "lower case", Fix("upper", (Edit(ins.keyword_span, ins.keyword),)), ins)


def breaks_file(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    """Test rule whose fix would make the file unparsable (it must be rolled back)."""
    if ins.keyword == "CMD" and not ins.exec_form:
        yield ctx.hit(ins.span, "bad fix", Fix("break", (Edit(ins.args[0].span, '["a", ["b"]]'),)), ins)


def append_true(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    """Test rule with an unsafe fix: append `&& true` to a RUN once."""
    if ins.keyword == "RUN" and "&& true" not in ins.command.text:
        end = ins.args[0].span.end
        yield ctx.hit(ins.span, "no true", Fix("append", (Edit(Span(end, end), " && true"),), Safety.UNSAFE), ins)


def never_converges(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    """Test rule whose fix always leaves another finding (the pass cap must stop it)."""
    if ins.keyword == "ENV":
        end = ins.span.end
        yield ctx.hit(ins.span, "again", Fix("grow", (Edit(Span(end, end), "x"),)), ins)


@pytest.fixture
def rules(monkeypatch):
    metas = {**catalog.load(), **{c: _meta(c, "unsafe" if c == "LL992" else "safe") for c in ("LL990", "LL991", "LL992", "LL993")}}
    monkeypatch.setattr(catalog, "load", lambda: metas)
    every = ("FROM", "RUN", "CMD", "COPY", "ENV", "WORKDIR")
    for code, fn, kws in (
        ("LL990", upper_keyword, every),
        ("LL991", breaks_file, ("CMD",)),
        ("LL992", append_true, ("RUN",)),
        ("LL993", never_converges, ("ENV",)),
    ):
        monkeypatch.setitem(REGISTRY, code, Check(code, fn, kws))


def fix(text: str, *codes: str, unsafe: bool = False) -> tuple[str, int]:
    result = fix_source(SourceFile("Dockerfile", text), Settings(select=codes), unsafe=unsafe)
    return result.text, len(result.applied)


def test_apply_edits_in_order_and_keeps_crlf() -> None:
    text = "from a\r\nrun b\r\n"
    out = apply_edits(text, [Edit(Span(8, 11), "RUN"), Edit(Span(0, 4), "FROM"), Edit(Span(13, 13), "\nRUN c")])
    assert out == "FROM a\r\nRUN b\r\nRUN c\r\n"


def test_safe_fixes_apply_and_are_idempotent(rules) -> None:
    text = "from alpine\nrun echo hi\nCMD x\n"
    fixed, n = fix(text, "LL990")
    assert fixed == "FROM alpine\nRUN echo hi\nCMD x\n" and n == 2
    assert fix(fixed, "LL990") == (fixed, 0)


def test_a_fix_that_breaks_parsing_is_rolled_back_others_still_apply(rules) -> None:
    text = "from alpine\nCMD echo hi\n"
    fixed, n = fix(text, "LL990", "LL991")
    assert fixed == "FROM alpine\nCMD echo hi\n" and n == 1


def test_unsafe_fixes_need_the_flag(rules) -> None:
    text = "FROM alpine\nRUN echo\n"
    assert fix(text, "LL992") == (text, 0)
    fixed, n = fix(text, "LL992", unsafe=True)
    assert (fixed, n) == ("FROM alpine\nRUN echo && true\n", 1)


def test_the_pass_cap_stops_a_fix_that_never_converges(rules) -> None:
    from layerlint.fix import MAX_PASSES

    fixed, n = fix("FROM alpine\nENV A=1\n", "LL993")
    assert fixed == "FROM alpine\nENV A=1" + "x" * MAX_PASSES + "\n" and n == MAX_PASSES


def test_add_ignores_inserts_comments_with_indentation() -> None:
    text = "FROM alpine\n  COPY onlyone\n"
    src = SourceFile("Dockerfile", text)
    from layerlint.engine import lint_source

    findings = lint_source(src, Settings(select=("LL002",))).findings
    assert add_ignores(src, findings) == "FROM alpine\n  # layerlint: ignore=LL002\n  COPY onlyone\n"


def test_cli_fix_writes_atomically_and_keeps_mode(rules, tmp_path: Path, capsys) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text("from alpine\n")
    os.chmod(f, 0o640)
    assert main(["--select", "LL990", "--diff", str(f)]) == 1
    out = capsys.readouterr().out
    assert "-from alpine" in out and "+FROM alpine" in out
    assert f.read_text() == "from alpine\n"  # --diff writes nothing
    assert main(["--select", "LL990", "--fix", str(f)]) == 0
    assert f.read_text() == "FROM alpine\n"
    assert os.stat(f).st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["Dockerfile"]
    f.write_text("from alpine\n")
    assert main(["--select", "LL990", "--fix", "--exit-non-zero-on-fix", str(f)]) == 1
