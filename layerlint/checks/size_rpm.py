"""RPM package managers: yum (LL305), dnf/microdnf (LL306) and zypper (LL307) caches left in the layer.

dnf and yum share a cache (yum is dnf on EL8 and later), but microdnf 3 (RHEL/UBI 8-10, Fedora
before 38) keeps its own under /var/cache/yum (metadata, solv) and ``microdnf clean all``
empties only that; on Fedora 38-40 microdnf is dnf5 (/var/cache/libdnf5) while dnf is still
dnf4 (/var/cache/dnf).  Only from Fedora 41 on are all three one program.  So a clean by the
other family leaves the install's cache in the layer, unless the image is Fedora 41 or later.
The ledger counts any of them as a clean, so these rules re-read such RUNs without the other
family's cleans.
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.checks.size_common import cache_hits, commands, matters
from layerlint.fixes import append_to_run
from layerlint.ledger import CACHES, Created, ledger
from layerlint.model import Instruction
from layerlint.rule import Fix, Hit, RuleContext, check
from layerlint.shell import Command, ShellWord

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from layerlint.ledger import Ledger
    from layerlint.shell import Script

# Whose cache a command fills or cleans (tools as ``Command.tool`` names them: dnf5, tdnf -> dnf).
_FAMILY = {"dnf": "dnf", "yum": "dnf", "microdnf": "microdnf"}
_CACHE_OF = {"dnf": "/var/cache/dnf, or /var/cache/libdnf5 for dnf5",
             "yum": "its repository folders under /var/cache/yum, or /var/cache/dnf where yum is dnf",
             "microdnf": "/var/cache/yum/metadata and solv, or /var/cache/libdnf5 where microdnf is dnf5"}  # fmt: skip


def _cleans(cmd: Command) -> str | None:
    """The family whose cache ``cmd`` (``dnf clean ...``) empties, if it is a clean."""
    family = _FAMILY.get(cmd.tool)
    return family if family is not None and cmd.subcommand() == "clean" else None


def _without_cleans_of_others(ctx: RuleContext, family: str) -> Ledger:
    """The file's ledger as if no RPM clean of another family than ``family`` had run (memoized)."""
    from layerlint.ledger import build_ledger, run_scripts

    def scripts(ins: Instruction) -> Iterable[Script]:
        out = []
        for script in run_scripts(ctx, ins):
            kept = tuple(c for c in script.commands if _cleans(c) in (None, family))
            out.append(script if len(kept) == len(script.commands) else script._replace(commands=kept))
        return out

    return ctx.memo(f"rpm-ledger-without-other-cleans:{family}", lambda: build_ledger(ctx.build, scripts))


def _all_dnf5(ctx: RuleContext, ins: Instruction) -> bool:
    """Whether the image is Fedora 41 or later, where dnf, yum and microdnf are all dnf5."""
    from layerlint.build import lineage
    from layerlint.checks.compat_facts import parse_image

    stage = ctx.stage_of(ins)
    if stage is None:
        return False
    ref = parse_image(lineage(ctx.build, stage)[0].base_expanded.strip().lower())
    if ref.path.rsplit("/", 1)[-1] not in ("fedora", "fedora-minimal"):
        return False
    tag = (ref.tag or "latest").split("-", 1)[0]
    return tag in ("latest", "rawhide") or (tag.isdigit() and int(tag) >= 41)


def _cleaned_by_other_family(ctx: RuleContext, ins: Instruction, cache: str) -> Iterator[tuple[Created, Command, Command]]:
    """Entries of ``cache`` the ledger counts as cleaned only because another family's clean ran.

    Yields the entry (from the re-read ledger), the command that filled it and the clean that missed it.
    """
    cmds = commands(ctx, ins)
    cleans = [c for c in cmds if _cleans(c) is not None]
    if not cleans or _all_dnf5(ctx, ins):
        return
    by_span = {c.span: c for c in cmds}
    kept = {e.span for e in ledger(ctx).created_by(ins) if e.how == "cache"}
    for family in {_FAMILY[c.tool] for c in cmds if c.tool in _FAMILY}:
        others = [c for c in cleans if _cleans(c) != family]
        if not others:
            continue
        for entry in _without_cleans_of_others(ctx, family).created_by(ins):
            cmd = by_span.get(entry.span)
            if entry.how != "cache" or entry.source != cache or entry.span in kept or cmd is None:
                continue
            if _FAMILY.get(cmd.tool) == family:
                missed = next((c for c in others if c.span.start > cmd.span.start), others[-1])
                yield entry, cmd, missed


def _rpm_hits(
    ctx: RuleContext, ins: Instruction, cache: str, clean: str, folders: dict[str, str], tools: frozenset[str]
) -> Iterator[Hit]:
    """Hits for ``cache`` left by a RUN; the fix appends ``clean``, named as the install named its tool.

    ``folders`` names the cache directory per tool (key ``""``: any other).
    """
    tool, args = clean.split(" ", 1)

    def advice(entry: Created, cmd: Command | None) -> str:
        name = cmd.name if cmd is not None else tool
        folder = folders.get(cmd.tool if cmd is not None else "", folders[""])
        return f"run `{name} {args}` (or remove {folder}) at the end of the same RUN"

    def fix(cmd: Command, word: ShellWord | None) -> Fix | None:
        command = f"{cmd.name if cmd.name in tools else tool} {args}"
        return append_to_run(ctx, ins, command, f"Run {command} at the end of the RUN")

    yield from cache_hits(ctx, ins, {cache}, advice, fix)
    if cache not in ("yum", "dnf") or not matters(ctx, ins):
        return
    for entry, cmd, missed in _cleaned_by_other_family(ctx, ins, cache):
        other = " ".join(w.unquoted for w in missed.words[:3])
        message = (
            f"{CACHES[cache].what} left in this layer: `{other}` empties only {missed.name}'s own cache "
            f"({_CACHE_OF[missed.tool]}), not the one `{cmd.name}` filled; {advice(entry, cmd)}"
        )
        yield ctx.hit(cmd.span, message, fix(cmd, None), ins)


@check("LL305", instructions=("RUN",))
def yum_cache_left_in_layer(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    yield from _rpm_hits(ctx, ins, "yum", "yum clean all", {"": "/var/cache/yum"}, frozenset({"yum"}))


@check("LL306", instructions=("RUN",))
def dnf_cache_left_in_layer(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    folders = {"": "/var/cache/dnf or /var/cache/libdnf5", "microdnf": "/var/cache/yum"}
    yield from _rpm_hits(ctx, ins, "dnf", "dnf clean all", folders, frozenset({"dnf", "microdnf", "dnf5"}))


@check("LL307", instructions=("RUN",))
def zypper_cache_left_in_layer(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    yield from _rpm_hits(ctx, ins, "zypper", "zypper clean --all", {"": "/var/cache/zypp"}, frozenset({"zypper"}))
