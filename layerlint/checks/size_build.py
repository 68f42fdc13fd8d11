"""Build-tool caches left in an image layer: Go, Cargo, Maven, Gradle (LL319)."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.checks.size_common import cache_hits
from layerlint.model import Instruction
from layerlint.rule import Hit, RuleContext, check


@check("LL319", instructions=("RUN",))
def build_cache_left_in_layer(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    yield from cache_hits(
        ctx,
        ins,
        {"go-build", "go-mod", "cargo", "maven", "gradle"},
        lambda e, cmd: "build in a separate stage and copy out only the result, or use "
        f"RUN --mount=type=cache,target={e.path}",
    )
