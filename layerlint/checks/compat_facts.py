"""Facts the hadolint-compatible rules share: variables in scope, the SHELL in effect, image references.

hadolint reads words as written, so ``ARG PKGS="curl=8.5.0-2"`` followed by ``apk add $PKGS``
is reported as an unpinned package called ``$PKGS`` (hadolint#393, #858, #928) and
``FROM $IMAGE`` as an untagged image (hadolint#339).  These helpers give checks the value
BuildKit would use instead: each instruction's ARG/ENV scope (``layerlint.expand.Scope``),
plus variables assigned earlier in the same shell script.  A value that rests on something
unknown (a variable the base image may set, a command substitution) is ``None``, and checks
then stay silent rather than guess.

Everything is computed once per file through ``RuleContext.memo``.
"""

from __future__ import annotations

import re
from functools import cache
from collections.abc import Iterator

from layerlint.rule import RuleContext
from layerlint.source import Frozen, _set

TYPE_CHECKING = False  # typing costs ms at start-up; only checkers need it
if TYPE_CHECKING:
    from layerlint.expand import Scope
    from layerlint.model import Instruction, Stage
    from layerlint.shell import Command, Script, ShellWord

DEFAULT_SHELL = ("/bin/sh", "-c")
NON_POSIX_SHELLS = frozenset({"pwsh", "powershell", "cmd"})


# --------------------------------------------------------------------------- variables


def scope_at(ctx: RuleContext, ins: Instruction) -> Scope | None:
    """Variables visible to ``ins`` (None for an ONBUILD trigger: it runs in another build)."""
    if ins.inner is not None:
        return None
    from layerlint.build import scopes

    return scopes(ctx.build).get(ins.index)


def _expand(scope: Scope, env: dict[str, str] | None, raw: str, split: bool, escape: str) -> list[str] | None:
    from layerlint.expand import ExpansionError, process_word, process_words

    if "$(" in raw or "`" in raw:
        return None
    variables = {**scope.env, **env} if env else scope.env
    missing: list[str] = []
    try:
        if split:
            values = process_words(raw, variables, escape, unresolved=missing.append)
        else:
            values = [process_word(raw, variables, escape, unresolved=missing.append)]
    except ExpansionError:
        return None
    if missing:
        return None
    if scope.guessed:
        from layerlint.expand import referenced_names

        if not scope.guessed.isdisjoint(referenced_names(raw, escape)):
            return None
    return values


def expand(ctx: RuleContext, ins: Instruction, raw: str) -> str | None:
    """A Dockerfile word as BuildKit expands it for ``ins``; None when it rests on an unknown value."""
    if "$" not in raw:
        from layerlint.expand import unquote

        return unquote(raw, ctx.dockerfile.escape)
    scope = scope_at(ctx, ins)
    if scope is None:
        return None
    values = _expand(scope, None, raw, False, ctx.dockerfile.escape)
    return values[0] if values else None


def expand_from(ctx: RuleContext, raw: str) -> str | None:
    """A FROM-line word (image, ``--platform``): only global ARGs are visible there."""
    from layerlint.expand import ExpansionError, process_word

    if "$(" in raw:
        return None
    missing: list[str] = []
    try:
        value = process_word(raw, ctx.build.global_env, ctx.dockerfile.escape, unresolved=missing.append)
    except ExpansionError:
        return None
    return None if missing else value


_ASSIGN = r"(?s)^([A-Za-z_][A-Za-z0-9_]*)=(.*)$"  # a string: re compiles it on first use


def _shell_assignments(script: Script, before: int) -> dict[str, str]:
    """Variables a script sets (``X=1`` alone, ``export X=1``) in commands before offset ``before``."""
    found: dict[str, str] = {}
    for cmd in script.commands:
        if cmd.span.start >= before:
            break
        texts: tuple[str, ...] = ()
        if not cmd.words:
            texts = cmd.assignments
        elif cmd.name in ("export", "readonly", "declare", "local", "typeset"):
            texts = tuple(w.unquoted for w in cmd.args)
        for text in texts:
            m = re.match(_ASSIGN, text)
            if m:
                found[m.group(1)] = m.group(2)
    return found


def word_values(ctx: RuleContext, ins: Instruction, script: Script, cmd: Command, word: ShellWord) -> list[str] | None:
    """What a shell word becomes at run time: one value, several after word splitting, or None if unknown."""
    if not word.has_expansion:
        return [word.unquoted]
    scope = scope_at(ctx, ins)
    if scope is None:
        return None
    local = _shell_assignments(script, cmd.span.start)
    # Earlier assignments may themselves refer to ARG/ENV values: resolve them first.
    env: dict[str, str] = {}
    for name, value in local.items():
        resolved = _expand(scope, env, value, False, "\\") if "$" in value else [value]
        if resolved is not None:
            env[name] = resolved[0]
    # Unquoted expansions split into several words, quoted text stays one (BuildKit's ProcessWords).
    return _expand(scope, env, word.raw, True, "\\")


# --------------------------------------------------------------------------- SHELL


WINDOWS_SHELL = ("cmd", "/S", "/C")
_WINDOWS_BASE = r"(?i)(?:^|/)(?:windows|nanoserver|servercore|windowsservercore)(?:[/:@-]|$)|ltsc\d{4}|windowsservercore"


def default_shell(base: str) -> tuple[str, ...]:
    """The shell the builder uses for RUN before any SHELL: ``cmd /S /C`` on Windows images."""
    return WINDOWS_SHELL if re.search(_WINDOWS_BASE, base) else DEFAULT_SHELL


def _shells(ctx: RuleContext) -> dict[int, tuple[str, ...]]:
    """The SHELL argv in effect for each instruction of each stage (inherited through FROM <stage>)."""
    out: dict[int, tuple[str, ...]] = {}
    ends: dict[int, tuple[str, ...]] = {}
    for stage in ctx.build.stages:
        if stage.base_stage is not None:
            shell = ends.get(stage.base_stage, DEFAULT_SHELL)
        else:
            shell = default_shell(stage.base_expanded)
        for ins in stage.instructions:
            out[ins.index] = shell
            if ins.keyword == "SHELL" and ins.exec_form and ins.args:
                shell = tuple(w.value for w in ins.args)
        ends[stage.index] = shell
    return out


def shell_at(ctx: RuleContext, ins: Instruction) -> tuple[str, ...]:
    """The SHELL a RUN of ``ins`` runs with (the default before any FROM)."""
    return ctx.memo("compat.shells", lambda: _shells(ctx)).get(ins.index, DEFAULT_SHELL)


@cache
def program_name(path: str) -> str:
    """``/usr/bin/bash`` -> ``bash``, ``C:\\...\\powershell.exe`` -> ``powershell`` (lower case)."""
    name = re.split(r"[/\\]", path.strip())[-1].lower()
    return name[:-4] if name.endswith(".exe") else name


def is_posix_shell(ctx: RuleContext, shell: tuple[str, ...]) -> bool:
    """False for PowerShell and cmd, from SHELL or a ``# hadolint shell=`` pragma."""
    override = ctx.shell_override
    if override and program_name(override.split()[0]) in NON_POSIX_SHELLS:
        return False
    return bool(shell) and program_name(shell[0]) not in NON_POSIX_SHELLS


def run_scripts(ctx: RuleContext, ins: Instruction) -> Iterator[Script]:
    """The shell scripts of a RUN (command and shell heredocs); none for exec form or non-POSIX shells."""
    return iter(ctx.memo(f"compat.run-scripts.{ins.index}", lambda: _run_scripts(ctx, ins)))


def _run_scripts(ctx: RuleContext, ins: Instruction) -> tuple[Script, ...]:
    ins = ins.effective
    if ins.keyword != "RUN" or ins.exec_form:
        return ()
    if not is_posix_shell(ctx, shell_at(ctx, ins)):
        return ()
    return tuple(ctx.scripts(ins))


def run_commands(ctx: RuleContext, ins: Instruction) -> Iterator[tuple[Script, Command]]:
    for script in run_scripts(ctx, ins):
        for cmd in script.commands:
            if cmd.words:
                yield script, cmd


# --------------------------------------------------------------------------- images


class ImageRef(Frozen):
    """An image reference split as the Docker distribution reference grammar does."""

    __slots__ = ("registry", "path", "tag", "digest")  # constructor order: Value relies on it

    registry: str | None  # None: Docker Hub implied
    path: str
    tag: str | None
    digest: str | None

    def __init__(self, registry: str | None, path: str, tag: str | None, digest: str | None) -> None:
        _set(self, "registry", registry)
        _set(self, "path", path)
        _set(self, "tag", tag)
        _set(self, "digest", digest)

    @property
    def name(self) -> str:
        return self.path if self.registry is None else f"{self.registry}/{self.path}"


def parse_image(ref: str) -> ImageRef:
    """Split ``[registry/]path[:tag][@digest]``; a first component with ``.`` or ``:`` (or
    ``localhost``) is a registry host, as in ``docker pull``."""
    rest, _, digest = ref.partition("@")
    registry = None
    first, slash, remainder = rest.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, rest = first, remainder
    path, colon, tag = rest.rpartition(":") if ":" in rest.rsplit("/", 1)[-1] else (rest, "", "")
    return ImageRef(registry, path, tag if colon else None, digest or None)


def earlier_stage_named(ctx: RuleContext, name: str, stage: Stage | None) -> Stage | None:
    """A stage defined before ``stage`` whose name is ``name`` (case-insensitive, as BuildKit)."""
    lowered = name.lower()
    for other in ctx.build.stages:
        if stage is not None and other.index >= stage.index:
            break
        if other.name is not None and other.name.lower() == lowered:
            return other
    return None
