"""Node package managers: yarn (LL308) and npm (LL309) caches left in the layer.

pnpm is left out on purpose: its store is hard-linked into node_modules, so deleting the
store frees (almost) nothing in the layer.
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.checks.size_common import cache_hits
from layerlint.model import Instruction
from layerlint.rule import Hit, RuleContext, check


@check("LL308", instructions=("RUN",))
def yarn_cache_left_in_layer(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    yield from cache_hits(
        ctx,
        ins,
        {"yarn"},
        lambda e, cmd: "run `yarn cache clean` at the end of the same RUN, or use "
        f"RUN --mount=type=cache,target={e.path}",
    )


@check("LL309", instructions=("RUN",))
def npm_cache_left_in_layer(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    yield from cache_hits(
        ctx,
        ins,
        {"npm"},
        lambda e, cmd: "run `npm cache clean --force` at the end of the same RUN, or use "
        f"RUN --mount=type=cache,target={e.path}",
    )
