"""RPM package managers: yum (LL305), dnf/microdnf (LL306) and zypper (LL307) caches left in the layer."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.checks.size_common import cache_hits
from layerlint.fixes import append_to_run
from layerlint.ledger import Created
from layerlint.model import Instruction
from layerlint.rule import Fix, Hit, RuleContext, check
from layerlint.shell import Command, ShellWord


def _rpm_hits(
    ctx: RuleContext, ins: Instruction, cache: str, clean: str, folder: str, tools: frozenset[str]
) -> Iterator[Hit]:
    """Hits for ``cache`` left by a RUN; the fix appends ``clean``, named as the install named its tool."""
    tool, args = clean.split(" ", 1)

    def advice(entry: Created, cmd: Command | None) -> str:
        return f"run `{cmd.name if cmd is not None else tool} {args}` (or remove {folder}) at the end of the same RUN"

    def fix(cmd: Command, word: ShellWord | None) -> Fix | None:
        command = f"{cmd.name if cmd.name in tools else tool} {args}"
        return append_to_run(ctx, ins, command, f"Run {command} at the end of the RUN")

    yield from cache_hits(ctx, ins, {cache}, advice, fix)


@check("LL305", instructions=("RUN",))
def yum_cache_left_in_layer(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    yield from _rpm_hits(ctx, ins, "yum", "yum clean all", "/var/cache/yum", frozenset({"yum"}))


@check("LL306", instructions=("RUN",))
def dnf_cache_left_in_layer(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    folder = "/var/cache/dnf or /var/cache/libdnf5"
    yield from _rpm_hits(ctx, ins, "dnf", "dnf clean all", folder, frozenset({"dnf", "microdnf", "dnf5"}))


@check("LL307", instructions=("RUN",))
def zypper_cache_left_in_layer(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    yield from _rpm_hits(ctx, ins, "zypper", "zypper clean --all", "/var/cache/zypp", frozenset({"zypper"}))
