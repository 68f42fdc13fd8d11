"""Consecutive single-command RUN instructions that could be one layer (LL316)."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.checks.size_common import commands, line, matters
from layerlint.fixes import join_runs
from layerlint.model import Instruction
from layerlint.rule import Hit, RuleContext, check


@check("LL316")
def consecutive_run_instructions(ctx: RuleContext) -> Iterator[Hit]:
    """Two RUNs in a row (comments aside) with the same flags, each running one command.

    A RUN that chains commands shows the author already decided where layers end, so it
    breaks the run of candidates; so does any other instruction, a different ``--mount``
    or ``--network`` flag, and a stage whose layers never reach the image.
    """
    prev: tuple[Instruction, tuple[str, ...], int] | None = None
    for ins in ctx.dockerfile.instructions:
        if ins.keyword != "RUN" or not matters(ctx, ins):
            prev = None
            continue
        flags = tuple(f.text for f in ins.flags)
        count = len(commands(ctx, ins))
        if prev is not None and prev[1] == flags and prev[2] <= 1 and count <= 1:
            yield ctx.hit(
                ins.span,
                f"this RUN and the one at line {line(ctx, prev[0])} each run one command: every RUN adds a layer;"
                " join them with && into one RUN",
                join_runs(ctx, prev[0], ins, "Join this RUN to the one before it"),
                ins,
            )
        prev = (ins, flags, count)
