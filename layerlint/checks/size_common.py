"""Shared helpers of the layer-size rules (LL3xx); this module registers no check."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from layerlint.estimate import size_note, size_of
from layerlint.estimate.sizes import total
from layerlint.ledger import CACHES, Created, ledger, run_scripts
from layerlint.rule import Fix, Hit, RuleContext
from layerlint.source import Frozen, Span, _set

TYPE_CHECKING = False  # typing costs ms at start-up; only checkers need it
if TYPE_CHECKING:
    from layerlint.model import Instruction
    from layerlint.shell import Command, ShellWord


def matters(ctx: RuleContext, ins: Instruction) -> bool:
    """Whether bytes this instruction leaves in its layer end up in an image.

    True for the target stage and the stages it is built FROM (its lineage), for ONBUILD
    triggers (they run in every child image) and for a fragment without FROM (read as the
    image itself).  A stage the target only copies files from (``COPY --from``) does not
    count - unless it copies the stage's whole filesystem.  Memoized per stage.
    """
    if ins.keyword == "ONBUILD":
        return True
    stage = ctx.stage_of(ins)
    if stage is None:
        return True
    return stage.index in ctx.memo("size-image-stages", lambda: image_stages(ctx))


def image_stages(ctx: RuleContext) -> frozenset[int]:
    """Indexes of the stages whose layers make up the target image."""
    from layerlint.build import lineage

    target = ctx.build.target_stage
    if target is None:
        return frozenset()
    todo, seen = [target], set()
    while todo:
        stage = todo.pop()
        for s in lineage(ctx.build, stage):
            if s.index in seen:
                continue
            seen.add(s.index)
            for ins in s.instructions:
                flag = ins.flag("from") if ins.keyword in ("COPY", "ADD") else None
                if flag is None or not flag.value or len(ins.args) < 2 or ins.args[0].value.rstrip("/") not in ("", "."):
                    continue
                source = ctx.build.stage_named(flag.value)
                if source is not None and source.index < s.index:
                    todo.append(source)
    return frozenset(seen)


def commands(ctx: RuleContext, ins: Instruction) -> list[Command]:
    """Every command the RUN executes, in order (heredoc bodies and exec form included)."""
    return [cmd for script in run_scripts(ctx, ins) for cmd in script.commands]


def line(ctx: RuleContext, thing: Instruction | Created | Span) -> int:
    span = thing if isinstance(thing, Span) else thing.span
    return ctx.source.position(span.start).line


def subcommand_word(ctx: RuleContext, ins: Instruction, cmd: Command) -> ShellWord | None:
    """The word naming what a package manager does (``install`` in ``python -m pip install x``)."""
    from layerlint.pkgfacts import package_ops

    for script in run_scripts(ctx, ins):
        for op in package_ops(script):
            if op.command.span == cmd.span and op.verb is not None:
                return op.verb
    return None


def cache_hits(
    ctx: RuleContext,
    ins: Instruction,
    names: set[str],
    advice: Callable[[Created, Command | None], str],
    fix: Callable[[Command, ShellWord | None], Fix | None] | None = None,
) -> Iterator[Hit]:
    """One hit per command whose package caches (``ledger.CACHES``) are still in the layer.

    ``fix(command, subcommand_word)`` builds the hit's fix, if the rule has one.
    """
    if not matters(ctx, ins):
        return
    found: dict[Span, list[Created]] = {}
    for e in ledger(ctx).created_by(ins):
        if e.how == "cache" and e.source in names:
            found.setdefault(e.span, []).append(e)
    if not found:
        return
    by_span = {cmd.span: cmd for cmd in commands(ctx, ins)}
    for span, entries in found.items():
        cmd = by_span.get(span)
        what = " and ".join(CACHES[e.source].what for e in entries)
        sizes = [size_of(ctx, e) for e in entries]
        size = None if None in sizes else total(sizes)  # type: ignore[arg-type]
        message = f"{what} left in this layer{size_note(size)}: {advice(entries[0], cmd)}"
        cure = fix(cmd, subcommand_word(ctx, ins, cmd)) if fix is not None and cmd is not None else None
        yield ctx.hit(span, message, cure, ins)


def earlier_run_matches(
    ctx: RuleContext, ins: Instruction, key: str, predicate: Callable[[str], bool], include_self: bool = True
) -> bool:
    """Whether a RUN of ``ins``'s image before it (parent stages too) has text ``predicate`` accepts.

    The RUNs that match are found once per file and ``key``, so asking for every RUN of a
    long file stays linear instead of rescanning all earlier RUNs on each call.
    """
    from layerlint.build import lineage

    def matching() -> list[Instruction]:
        return [
            other
            for other in ctx.dockerfile.instructions
            if other.keyword == "RUN" and other.effective.keyword == "RUN" and predicate(ctx.source.slice(other.span))
        ]

    found: list[Instruction] = ctx.memo(f"earlier-run:{key}", matching)
    if not found:
        return False
    stage = ctx.stage_of(ins)
    chain = {s.index for s in lineage(ctx.build, stage)} if stage is not None else None
    for other in found:
        if other.index > ins.index or (other.index == ins.index and not include_self):
            continue
        if chain is None:
            return True
        owner = ctx.stage_of(other)
        if owner is not None and owner.index in chain:
            return True
    return False


def earlier_copies_into(ctx: RuleContext, ins: Instruction, folder: str) -> bool:
    """Whether an earlier COPY/ADD of the image writes into ``folder`` (e.g. an apt.conf.d snippet)."""
    from layerlint.build import lineage

    stage = ctx.stage_of(ins)
    chain = lineage(ctx.build, stage) if stage is not None else []
    book = ledger(ctx)
    for s in chain:
        for other in s.instructions:
            if other.index >= ins.index or other.keyword not in ("COPY", "ADD"):
                continue
            if any(n == folder or n.startswith(folder.rstrip("/") + "/") for e in book.created_by(other) for n in e.names):
                return True
    return False


# --------------------------------------------------------------------------- package operations

_FAMILY = {"apt-get": "apt", "apt": "apt", "aptitude": "apt", "dpkg": "apt", "yum": "rpm", "dnf": "rpm",
           "microdnf": "rpm", "zypper": "rpm", "rpm": "rpm"}  # fmt: skip
_VERSION = {  # pattern strings: re compiles (and caches) each on first use, not at import
    "apt": r"[=:].*$",
    "apk": r"[=~<>].*$",
    "pip": r"(\[.*)?\s*([=<>!~;@].*)?$",
}
_REMOVALS = frozenset({"remove", "purge", "autoremove"})


class PackageOp(Frozen):
    """A command that installs or removes named packages, names without version or architecture."""

    __slots__ = ("family", "action", "names", "command", "virtual")  # constructor order: Value relies on it

    family: str  # apt (apt-get, apt, aptitude, dpkg), rpm (yum, dnf, microdnf, zypper, rpm), apk, pip, ...
    action: str  # install or remove
    names: tuple[str, ...]
    command: Command
    virtual: str | None  # apk add --virtual NAME (also listed in names)

    def __init__(
        self,
        family: str,
        action: str,
        names: tuple[str, ...],
        command: Command,
        virtual: str | None = None,
    ) -> None:
        _set(self, "family", family)
        _set(self, "action", action)
        _set(self, "names", names)
        _set(self, "command", command)
        _set(self, "virtual", virtual)


def package_changes(ctx: RuleContext, ins: Instruction) -> list[PackageOp]:
    """Installs and removals of a RUN, in order, from ``layerlint.pkgfacts.package_ops``."""
    from layerlint.pkgfacts import package_ops

    out = []
    for script in run_scripts(ctx, ins):
        for op in package_ops(script):
            action = "install" if op.action == "install" else "remove" if op.action in _REMOVALS else None
            if action is None:
                continue
            family = _FAMILY.get(op.manager, op.manager)
            strip = _VERSION.get(family)
            names = []
            for word in op.packages:
                n = word.value
                if not n or n in (".", "..") or n.startswith(("-", "./", "../", "/", "~")) or "://" in n:
                    continue
                n = re.sub(strip, "", n) if strip is not None else n
                if n:
                    names.append(n.lower() if family == "pip" else n)
            virtual = op.options.value("--virtual", "-t") if family == "apk" and action == "install" else None
            if virtual:
                names.append(virtual)
            if names:
                out.append(PackageOp(family, action, tuple(names), op.command, virtual))
    return out
