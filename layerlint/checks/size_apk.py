"""apk: package indexes left in the layer (LL304)."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.checks.size_common import cache_hits
from layerlint.fixes import insert_after
from layerlint.ledger import Created
from layerlint.model import Instruction
from layerlint.rule import Fix, Hit, RuleContext, check
from layerlint.shell import Command, ShellWord


def _fix(cmd: Command, word: ShellWord | None) -> Fix | None:
    if word is None or word.unquoted != "add":
        return None
    return insert_after(word, "--no-cache", "Add --no-cache")


def _advice(entry: Created, cmd: Command | None) -> str:
    if cmd is not None and cmd.subcommand() == "update":
        return "drop `apk update` and use `apk add --no-cache` (it fetches the indexes without storing them)"
    return "use `apk add --no-cache`, or remove /var/cache/apk/* in the same RUN"


@check("LL304", instructions=("RUN",))
def apk_cache_left_in_layer(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    yield from cache_hits(ctx, ins, {"apk"}, _advice, _fix)
