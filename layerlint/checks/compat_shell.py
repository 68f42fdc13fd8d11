"""Commands inside RUN: cd, sudo, apt, interactive tools, /bin/sh replaced, pipes without pipefail, curl and wget.

All of them read the commands layerlint.shell found (nested ``sh -c`` strings, heredoc
scripts, subshells included) and skip exec-form RUN and PowerShell/cmd shells.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from layerlint.checks.compat_facts import is_posix_shell, program_name, run_commands, run_scripts, shell_at
from layerlint.lazyre import lazy
from layerlint.model import Instruction, Stage
from layerlint.rule import Edit, Fix, Hit, RuleContext, Safety, check
from layerlint.shell import Command, Script


def _first(ctx: RuleContext, ins: Instruction, wanted) -> Command | None:  # type: ignore[no-untyped-def]
    return next((cmd for _, cmd in run_commands(ctx, ins) if wanted(cmd)), None)


_BRACED = lazy(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_VARIABLE = lazy(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def _path_key(path: str) -> str:
    """A path for comparison: ``${X}`` spelled ``$X``, no ``.``/``//``/trailing ``/``."""
    from layerlint.ledger import normalize

    return normalize(_BRACED.sub(r"$\1", path)) if path else path


def _under(path: str, root: str) -> bool:
    from layerlint.ledger import inside

    return path == root or inside(path, root)


def _temporary(script: Script, cmd: Command, target: str) -> bool:
    """``cd "$(mktemp -d)"``, or ``cd "$tmp"`` with ``tmp`` assigned from ``mktemp`` earlier in the script."""
    if "mktemp" in target:
        return True
    names = set(_VARIABLE.findall(_BRACED.sub(r"$\1", target)))
    for other in script.commands:
        if other.span.start >= cmd.span.start:
            break
        texts = other.assignments if not other.words else (
            [w.unquoted for w in other.args] if other.name in ("export", "local", "declare", "readonly", "typeset") else [])
        if any(t.partition("=")[0] in names and "mktemp" in t.partition("=")[2] for t in texts):
            return True
    return False


def _cd_lasts(ins: Instruction, script: Script, cmd: Command) -> bool:
    """Whether WORKDIR could stand in for this ``cd``: its directory outlives the RUN.

    Not ``cd /`` (back to the start), nor a directory made by ``mktemp``, removed later in
    the same script, or mounted for this RUN only (``--mount`` target).
    """
    from layerlint.ledger import mount_targets
    from layerlint.pkgfacts import removed_paths

    pos = cmd.positional()
    if not pos:
        return True
    target = _path_key(pos[0].unquoted)
    if target == "/" or _temporary(script, cmd, pos[0].unquoted):
        return False
    if any(rm.span.start > cmd.span.start and _under(target, _path_key(path)) for path, rm in removed_paths(script)):
        return False
    return not any(_under(target, mount) for mount in mount_targets(ins))


@check("LL502", instructions=("RUN",))
def cd_in_run(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    for script, cmd in run_commands(ctx, ins):
        if cmd.name == "cd" and not cmd.in_subshell and cmd.depth == 0 and _cd_lasts(ins, script, cmd):
            yield ctx.hit(cmd.span, "`cd` lasts only for this RUN: set the directory with WORKDIR so every instruction sees it", None, ins)
            return


@check("LL602", instructions=("RUN",))
def sudo_in_run(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    cmd = _first(ctx, ins, lambda c: c.name == "sudo" or "sudo" in c.wrappers)
    if cmd is not None:
        yield ctx.hit(
            cmd.span,
            "sudo in a build: it needs a TTY and sudoers setup, and its presence in the image lets any process become root; "
            "switch with USER instead",
            None,
            ins,
        )


_APT_GET_SAFE = frozenset({"install", "remove", "purge", "update", "autoremove", "clean", "autoclean", "source", "build-dep"})


@check("LL509", instructions=("RUN",))
def apt_in_script(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    apts = [c for _, c in run_commands(ctx, ins) if c.name == "apt"]
    if not apts:
        return
    cmd = apts[0]
    fix = None
    if all(c.subcommand() in _APT_GET_SAFE and c.words[0].raw == "apt" for c in apts):
        # One report per RUN, so one fix for every `apt` in it: fixing the first alone leaves the report.
        fix = Fix("use apt-get", tuple(Edit(c.words[0].span, "apt-get") for c in apts), Safety.UNSAFE)
    yield ctx.hit(cmd.span, "`apt` is meant for terminals and warns that its interface may change: scripts should use apt-get", fix, ins)


_POINTLESS = frozenset({"free", "kill", "mount", "ps", "service", "shutdown", "ssh", "top", "vim", "ifconfig"})


@check("LL515", instructions=("RUN",))
def interactive_command_in_run(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    cmd = _first(ctx, ins, lambda c: c.name in _POINTLESS)
    if cmd is not None:
        yield ctx.hit(cmd.span, f"`{cmd.name}` acts on a running system or a terminal; in a build step it has no lasting effect", None, ins)


_SYSTEM_SHELLS = frozenset({"/bin/sh", "/usr/bin/sh"})


@check("LL513", instructions=("RUN",))
def system_shell_replaced(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    def replaces_sh(cmd: Command) -> bool:
        pos = cmd.positional()
        return cmd.name == "ln" and len(pos) >= 2 and pos[-1].unquoted in _SYSTEM_SHELLS

    cmd = _first(ctx, ins, replaces_sh)
    if cmd is not None:
        yield ctx.hit(
            cmd.span,
            "relinking /bin/sh silently changes the shell of every later RUN and of the system's own scripts: use SHELL",
            None,
            ins,
        )


# --------------------------------------------------------------------------- pipefail

_PIPEFAIL_SHELLS = frozenset({"bash", "zsh", "ash", "ksh", "mksh"})


def _enables_pipefail(args: Sequence[str]) -> bool:
    """``-o pipefail`` / ``-eo pipefail`` among shell or ``set`` arguments (a later ``+o pipefail`` undoes it)."""
    on = False
    for prev, arg in zip(args, args[1:]):
        if arg == "pipefail" and len(prev) > 1 and prev[0] in "-+" and prev.endswith("o"):
            on = prev[0] == "-"
    return on


def _shell_has_pipefail(shell: tuple[str, ...]) -> bool:
    """``SHELL ["/bin/bash", "-eo", "pipefail", "-c"]``: a shell that supports pipefail, with it on."""
    return bool(shell) and program_name(shell[0]) in _PIPEFAIL_SHELLS and _enables_pipefail(shell[1:])


_CANNOT_FAIL = frozenset({"echo", "printf"})


def _in_argument(script: Script, cmd: Command) -> bool:
    """Whether ``cmd`` runs inside a ``$(...)`` that is a word of another command.

    That command's status is what counts, pipefail or not (``mkdir "/out/$(uname -m | tr _ -)"``);
    a plain assignment ``X=$(a | b)`` has no words, so its pipe still matters.
    """
    if not cmd.in_subshell:
        return False
    start, end = cmd.span.start, cmd.span.end
    return any(
        other is not cmd and w.span.start <= start and end <= w.span.end for other in script.commands for w in other.words
    )


def _first_pipe(script: Script) -> Command | None:
    """The right-hand command of the first top-level pipe, unless ``set -o pipefail`` comes first.

    A pipe fed by ``echo`` or ``printf`` is skipped: they cannot fail in a way pipefail would
    report (``echo "$SUM  f" | sha256sum -c -`` fails on the checker's own status); so is a
    pipe inside a command substitution used as another command's argument.
    """
    previous: Command | None = None
    for cmd in script.commands:
        if cmd.depth:
            continue
        if cmd.name == "set" and _enables_pipefail([w.unquoted for w in cmd.args]):
            return None
        if (cmd.connector in ("|", "|&") and not (previous is not None and previous.name in _CANNOT_FAIL)
                and not _in_argument(script, cmd)):
            return cmd
        previous = cmd
    return None


@check("LL514", instructions=("RUN",))
def pipe_without_pipefail(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    if ins.inner is not None:
        return
    shell = shell_at(ctx, ins)
    if not is_posix_shell(ctx, shell) or _shell_has_pipefail(shell):
        return
    for script in run_scripts(ctx, ins):
        cmd = _first_pipe(script)
        if cmd is not None:
            yield ctx.hit(
                cmd.span,
                "a failure on the left of this pipe is ignored (only the last command's status counts): "
                'set SHELL ["/bin/bash", "-o", "pipefail", "-c"] or start the script with `set -o pipefail`',
                None,
                ins,
            )
            return


# --------------------------------------------------------------------------- curl and wget


def _downloaders(ctx: RuleContext, ins: Instruction) -> set[str]:
    return {cmd.name for _, cmd in run_commands(ctx, ins) if cmd.name in ("curl", "wget")}


@check("LL516")
def both_curl_and_wget(ctx: RuleContext) -> Iterator[Hit]:
    seen_by_stage: dict[int, set[str]] = {}
    for stage in ctx.build.stages:
        seen = set(seen_by_stage.get(stage.base_stage, ())) if stage.base_stage is not None else set()
        yield from _stage_downloads(ctx, stage, seen)
        seen_by_stage[stage.index] = seen


def _stage_downloads(ctx: RuleContext, stage: Stage, seen: set[str]) -> Iterator[Hit]:
    for ins in stage.instructions:
        if ins.keyword != "RUN":
            continue
        tools = _downloaders(ctx, ins)
        seen |= tools
        if tools and len(seen) == 2:
            yield ctx.hit(ins.keyword_span, "this stage uses both curl and wget: installing one download tool is enough", None, ins)
