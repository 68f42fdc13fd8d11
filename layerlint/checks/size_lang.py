"""Language package managers: RubyGems documentation (LL310) and Composer's cache (LL311)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from layerlint.checks.size_common import (
    cache_hits,
    commands,
    earlier_copies_into,
    earlier_run_matches,
    matters,
    subcommand_word,
)
from layerlint.fixes import insert_after
from layerlint.lazyre import lazy
from layerlint.model import Instruction
from layerlint.rule import Hit, RuleContext, check

# Official ruby images write `gem: --no-document` to /usr/local/etc/gemrc.
_RUBY_IMAGE = lazy(r"^(?:(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)/)?(?:library/)?ruby(?:[:@]|$)")


@check("LL310", instructions=("RUN",))
def gem_documentation_installed(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    if not matters(ctx, ins):
        return
    for cmd in commands(ctx, ins):
        if cmd.tool != "gem" or cmd.subcommand() not in ("install", "i", "update"):
            continue
        opts = cmd.options()
        if opts.has("--no-document", "-N", "--no-doc") or (opts.has("--no-ri") and opts.has("--no-rdoc")):
            continue
        if any(v in ("", "none") for v in opts.values("--document")):
            continue
        if _documents_off(ctx, ins):
            return
        word = subcommand_word(ctx, ins, cmd)
        yield ctx.hit(
            cmd.span,
            "gem generates ri/rdoc documentation for every gem it installs, which stays in this layer:"
            " add --no-document",
            insert_after(word, "--no-document", "Add --no-document") if word is not None else None,
            ins,
        )


def _documents_off(ctx: RuleContext, ins: Instruction) -> bool:
    """An official ruby base image or an earlier gemrc with ``--no-document``."""
    from layerlint.build import lineage

    stage = ctx.stage_of(ins)
    if stage is not None and _RUBY_IMAGE.match(lineage(ctx.build, stage)[0].base_expanded.lower()):
        return True
    if earlier_run_matches(ctx, ins, "gemrc-no-document", lambda t: "gemrc" in t and ("no-document" in t or "no-rdoc" in t)):
        return True
    return earlier_copies_into(ctx, ins, "/etc/gemrc") or earlier_copies_into(ctx, ins, "/usr/local/etc/gemrc")


@check("LL311", instructions=("RUN",))
def composer_cache_left_in_layer(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    yield from cache_hits(
        ctx,
        ins,
        {"composer"},
        lambda e, cmd: "add --no-cache, or run `composer clear-cache` at the end of the same RUN",
    )
