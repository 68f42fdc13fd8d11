"""Syntax errors: what BuildKit's parser rejects (LL001) and what its instruction checks reject (LL002)."""

from __future__ import annotations

from collections.abc import Iterator

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
