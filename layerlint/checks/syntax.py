"""Syntax errors: what BuildKit's parser rejects (LL001) and what its instruction checks reject (LL002)."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.model import Instruction
from layerlint.rule import Hit, RuleContext, check


@check("LL001")
def syntax_error(ctx: RuleContext) -> Iterator[Hit]:
    for issue in ctx.dockerfile.errors:
        if issue.level == "parse":
            yield ctx.hit(issue.span, issue.message)


@check("LL002")
def invalid_instruction(ctx: RuleContext) -> Iterator[Hit]:
    for issue in (*ctx.dockerfile.errors, *ctx.build.errors):
        if issue.level == "instruction":
            yield ctx.hit(issue.span, issue.message)


FORBIDDEN_TRIGGERS = frozenset({"ONBUILD", "FROM", "MAINTAINER"})


@check("LL005", instructions=FORBIDDEN_TRIGGERS)  # the engine dispatches on the trigger's keyword
def onbuild_trigger_not_allowed(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    inner = ins.inner
    if inner is None or inner.keyword not in FORBIDDEN_TRIGGERS:
        return
    yield ctx.hit(inner.keyword_span, f"{inner.keyword} isn't allowed as an ONBUILD trigger: the child build fails", None, ins)
