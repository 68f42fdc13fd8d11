"""pip: the download and wheel cache left in the layer (LL303)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from layerlint.checks.size_common import cache_hits, earlier_run_matches
from layerlint.fixes import insert_after
from layerlint.model import Instruction
from layerlint.rule import Fix, Hit, RuleContext, check
from layerlint.shell import Command, ShellWord

# `pip config set global.no-cache-dir ...`, or `no-cache-dir = ...` written into a pip.conf.
_CONFIGURED = re.compile(r"\bpip[\d.]*\s+config\s+(?:--\S+\s+)*set\s+\S*no-cache-dir|no-cache-dir\s*=.*pip\.conf", re.DOTALL)


def _fix(cmd: Command, word: ShellWord | None) -> Fix | None:
    return insert_after(word, "--no-cache-dir", "Add --no-cache-dir") if word is not None else None


@check("LL303", instructions=("RUN",))
def pip_cache_left_in_layer(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    if earlier_run_matches(ctx, ins, "pip-cache-configured", lambda t: bool(_CONFIGURED.search(t)), include_self=False):
        return
    yield from cache_hits(
        ctx,
        ins,
        {"pip"},
        lambda e, cmd: "add --no-cache-dir (or set ENV PIP_NO_CACHE_DIR=1, or use RUN --mount=type=cache,target="
        f"{e.path})",
        _fix,
    )
