"""``useradd`` with a high UID and without ``-l`` (LL318): a huge sparse lastlog in the layer."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.checks.size_common import commands, matters
from layerlint.fixes import insert_after
from layerlint.model import Instruction
from layerlint.rule import Hit, RuleContext, check


@check("LL318", instructions=("RUN",))
def useradd_high_uid_without_no_log_init(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    if not matters(ctx, ins):
        return
    limit = ctx.option("min-uid")
    for cmd in commands(ctx, ins):
        if cmd.tool != "useradd" or not cmd.words:
            continue
        opts = cmd.options()
        uid = opts.value("-u", "--uid")
        if uid is None or not uid.isdigit() or int(uid) < limit or opts.has("-l", "--no-log-init"):
            continue
        yield ctx.hit(
            cmd.span,
            f"useradd records UID {uid} in /var/log/lastlog and faillog, sparse files of about {int(uid) * 324 // 1_000_000} MB"
            " long that image layers store in full: add -l (--no-log-init)",
            insert_after(cmd.words[0], "-l", "Add -l"),
            ins,
        )
