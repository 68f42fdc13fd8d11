"""apt: package lists left in the layer (LL301) and Recommends installed (LL302)."""

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
from layerlint.fixes import append_to_run, insert_after
from layerlint.model import Instruction
from layerlint.rule import Fix, Hit, RuleContext, Safety, check

_CLEAN_LISTS = "rm -rf /var/lib/apt/lists/*"


@check("LL301", instructions=("RUN",))
def apt_lists_left_in_layer(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    yield from cache_hits(
        ctx,
        ins,
        {"apt-lists"},
        lambda e, cmd: "remove /var/lib/apt/lists/* at the end of the same RUN (a later RUN cannot take them out)",
        lambda cmd, word: _fix(ctx, ins),
    )


def _fix(ctx: RuleContext, ins: Instruction) -> Fix | None:
    if _lists_needed_later(ctx, ins):
        return None
    return append_to_run(ctx, ins, _CLEAN_LISTS, "Remove the apt lists at the end of the RUN")


_USES_LISTS = frozenset(
    {"install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "source", "download", "satisfy"}
)


def _lists_needed_later(ctx: RuleContext, ins: Instruction) -> bool:
    """A later RUN of this image (or of one built FROM it) uses apt before its own update.

    Removing the lists here would make that RUN fail, so the rule then offers no fix.
    """
    from layerlint.build import lineage

    stage = ctx.stage_of(ins)
    for other in ctx.dockerfile.instructions[ins.index + 1 :]:
        later = ctx.stage_of(other)
        if other.effective.keyword != "RUN" or (
            stage is not None and (later is None or stage.index not in {s.index for s in lineage(ctx.build, later)})
        ):
            continue
        for cmd in commands(ctx, other):
            sub = cmd.subcommand() if cmd.tool in ("apt-get", "apt", "aptitude") else None
            if sub == "update":
                break
            if sub in _USES_LISTS:
                return True
    return False


_OFF = re.compile(r"^APT::Install-Recommends\s*=\s*[\"']?(false|0|no|off)[\"']?$", re.IGNORECASE)
_CONF_OFF = re.compile(r"APT::Install-Recommends\s*(\"|\\\")?\s*(false|0|no|off)\b", re.IGNORECASE)


@check("LL302", instructions=("RUN",))
def apt_recommends_installed(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    if not matters(ctx, ins):
        return
    for cmd in commands(ctx, ins):
        if cmd.tool not in ("apt-get", "apt", "aptitude") or cmd.subcommand() != "install":
            continue
        opts = cmd.options()
        if opts.has("--no-install-recommends", "--without-recommends") or (cmd.tool == "aptitude" and opts.has("-R")):
            continue
        if any(_OFF.match(v) for v in opts.values("-o", "--option")):
            continue
        if _configured_off(ctx, ins):
            return
        word = subcommand_word(ctx, ins, cmd)
        flag = "--without-recommends" if cmd.tool == "aptitude" else "--no-install-recommends"
        fix = insert_after(word, flag, f"Add {flag}", Safety.UNSAFE) if word is not None else None
        yield ctx.hit(
            cmd.span,
            f"{cmd.name} install also installs every Recommends package (often more than the packages asked for):"
            f" add {flag} and list what you really need",
            fix,
            ins,
        )


def _configured_off(ctx: RuleContext, ins: Instruction) -> bool:
    """An earlier RUN wrote ``APT::Install-Recommends "false"`` or a COPY filled apt.conf.d."""
    key = f"apt-recommends-off:{ins.index}"
    return ctx.memo(
        key,
        lambda: earlier_run_matches(ctx, ins, "apt-recommends-off", lambda t: bool(_CONF_OFF.search(t)))
        or earlier_copies_into(ctx, ins, "/etc/apt/apt.conf.d"),
    )
