"""Facts about apt's configuration that several rules read; this module registers no check.

Debian and Ubuntu images ship ``/etc/apt/apt.conf.d/docker-clean``: a ``DPkg::Post-Invoke`` hook
that deletes the downloaded ``.deb`` files (and ``/var/cache/apt/*.bin``) after every dpkg run,
and ``Dir::Cache::pkgcache ""`` / ``srcpkgcache ""`` so the binary caches are not written. A
Dockerfile that removes or rewrites the file changes what apt leaves behind: the downloads stay
in /var/cache/apt/archives (a cache mount there keeps them between builds, LL208) or in the
layer (LL320).
"""

from __future__ import annotations

from layerlint.rule import RuleContext

TYPE_CHECKING = False
if TYPE_CHECKING:
    from layerlint.model import Instruction
    from layerlint.shell import Command

DOCKER_CLEAN = "/etc/apt/apt.conf.d/docker-clean"

# Programs that delete, move or rewrite the files among their operands.
_REMOVERS = frozenset({"rm", "unlink", "shred", "truncate", "mv"})
_WRITERS = frozenset({"cp", "mv", "ln", "install"})  # the last operand is written


def _names_docker_clean(raw: str) -> bool:
    """An absolute path (maybe a glob) that is docker-clean or a folder holding it."""
    from layerlint.ledger import covers, normalize

    return raw.startswith("/") and "$" not in raw and covers(normalize(raw), DOCKER_CLEAN)


def disables_docker_clean(cmd: Command) -> bool:
    """Whether ``cmd`` removes docker-clean, moves it away, or overwrites or edits it in place."""
    if any(
        r.op in (">", ">|", "&>") and r.target is not None and _names_docker_clean(r.target.unquoted) for r in cmd.redirects
    ):
        return True
    tool = cmd.tool
    if tool not in _REMOVERS and tool not in _WRITERS and tool not in ("sed", "tee"):
        return False
    opts = cmd.options()
    operands = [w.unquoted for w in opts.positional]
    if tool == "sed":
        return opts.has("-i", "--in-place") and any(_names_docker_clean(o) for o in operands[1:])
    if tool == "tee":
        return not opts.has("-a", "--append") and any(_names_docker_clean(o) for o in operands)
    if tool in _REMOVERS and any(_names_docker_clean(o) for o in (operands[:-1] if tool == "mv" else operands)):
        return True
    return tool in _WRITERS and len(operands) > 1 and operands[-1] == DOCKER_CLEAN


def _disablers(ctx: RuleContext) -> list[tuple[Instruction, Command]]:
    """Every RUN command of the file that disables docker-clean, ONBUILD triggers included."""
    from layerlint.checks.size_common import commands

    found = []
    for ins in ctx.dockerfile.instructions:
        if ins.effective.keyword != "RUN" or "docker-clean" not in ctx.source.slice(ins.span):
            continue
        found.extend((ins, cmd) for cmd in commands(ctx, ins) if disables_docker_clean(cmd))
    return found


def docker_clean_disabled(ctx: RuleContext, ins: Instruction, at: int) -> tuple[Instruction, Command] | None:
    """The RUN command that disabled docker-clean before offset ``at`` of ``ins``, in ``ins``'s image.

    Earlier RUNs of the stage and of the stages it is built ``FROM`` count, and so do earlier
    commands of ``ins`` itself. An ONBUILD trigger runs in a child image, after every RUN of
    this one and after the triggers declared before it.
    """
    from layerlint.build import lineage

    found: list[tuple[Instruction, Command]] = ctx.memo("apt.docker-clean-disablers", lambda: _disablers(ctx))
    if not found:
        return None
    stage = ctx.stage_of(ins)
    chain = {s.index for s in lineage(ctx.build, stage)} if stage is not None else None
    trigger = ins.keyword == "ONBUILD"
    for other, cmd in found:
        if other.index == ins.index:
            if cmd.span.start < at:
                return other, cmd
            continue
        owner = ctx.stage_of(other)
        if chain is not None and (owner is None or owner.index not in chain):
            continue
        if other.keyword == "ONBUILD":
            if trigger and other.index < ins.index:
                return other, cmd
        elif other.index < ins.index or trigger:
            return other, cmd
    return None
