"""RPM package managers: yum (LL305), dnf/microdnf (LL306) and zypper (LL307) caches left in the layer."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from layerlint.checks.size_common import cache_hits
from layerlint.fixes import append_to_run
from layerlint.ledger import Created
from layerlint.model import Instruction
from layerlint.rule import Fix, Hit, RuleContext, check
from layerlint.shell import Command, ShellWord


def _advice(clean: str, folder: str) -> Callable[[Created, Command | None], str]:
    def advice(entry: Created, cmd: Command | None) -> str:
        tool = cmd.name if cmd is not None else clean.split()[0]
        return f"run `{tool} {clean.split(' ', 1)[1]}` (or remove {folder}) at the end of the same RUN"

    return advice


def _clean(ctx: RuleContext, ins: Instruction, clean: str, tools: frozenset[str]):  # type: ignore[no-untyped-def]
    """The fix: `` && <tool> clean ...`` at the end of the RUN, named as the install named it."""

    def fix(cmd: Command, word: ShellWord | None) -> Fix | None:
        tool = cmd.name if cmd.name in tools else clean.split()[0]
        command = f"{tool} {clean.split(' ', 1)[1]}"
        return append_to_run(ctx, ins, command, f"Run {command} at the end of the RUN")

    return fix


@check("LL305", instructions=("RUN",))
def yum_cache_left_in_layer(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    yield from cache_hits(
        ctx,
        ins,
        {"yum"},
        _advice("yum clean all", "/var/cache/yum"),
        _clean(ctx, ins, "yum clean all", frozenset({"yum"})),
    )


@check("LL306", instructions=("RUN",))
def dnf_cache_left_in_layer(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    yield from cache_hits(
        ctx,
        ins,
        {"dnf"},
        _advice("dnf clean all", "/var/cache/dnf or /var/cache/libdnf5"),
        _clean(ctx, ins, "dnf clean all", frozenset({"dnf", "microdnf", "dnf5"})),
    )


@check("LL307", instructions=("RUN",))
def zypper_cache_left_in_layer(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    yield from cache_hits(
        ctx,
        ins,
        {"zypper"},
        _advice("zypper clean --all", "/var/cache/zypp"),
        _clean(ctx, ins, "zypper clean --all", frozenset({"zypper"})),
    )
