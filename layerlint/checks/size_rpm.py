"""RPM package managers: yum (LL305), dnf/microdnf (LL306) and zypper (LL307) caches left in the layer."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.checks.size_common import cache_hits
from layerlint.ledger import Created
from layerlint.model import Instruction
from layerlint.rule import Hit, RuleContext, check
from layerlint.shell import Command


def _advice(clean: str, folder: str):  # type: ignore[no-untyped-def]
    def advice(entry: Created, cmd: Command | None) -> str:
        tool = cmd.name if cmd is not None else clean.split()[0]
        return f"run `{tool} {clean.split(' ', 1)[1]}` (or remove {folder}) at the end of the same RUN"

    return advice


@check("LL305", instructions=("RUN",))
def yum_cache_left_in_layer(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    yield from cache_hits(ctx, ins, {"yum"}, _advice("yum clean all", "/var/cache/yum"))


@check("LL306", instructions=("RUN",))
def dnf_cache_left_in_layer(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    yield from cache_hits(ctx, ins, {"dnf"}, _advice("dnf clean all", "/var/cache/dnf or /var/cache/libdnf5"))


@check("LL307", instructions=("RUN",))
def zypper_cache_left_in_layer(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    yield from cache_hits(ctx, ins, {"zypper"}, _advice("zypper clean --all", "/var/cache/zypp"))
