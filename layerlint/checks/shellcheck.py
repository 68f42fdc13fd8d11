"""LL090: ShellCheck's findings on the shell scripts of RUN instructions, as hadolint reports them.

Every script of the file goes to one ShellCheck process (``layerlint.shellcheck``); each
finding comes back as an offset into the script, which leads to the exact source line and
column: ``Instruction.command.to_source`` through joined continuation lines, heredoc body
offsets for bodies.  Each hit carries its ``SCnnnn`` code and ShellCheck's level as a sub-code
(``settings.SUBCODES``), so SC codes are selected, re-levelled and suppressed like rules.

What a script is follows BuildKit (``dockerfile2llb`` ``dispatchRun``): ``RUN <<EOF`` alone
runs the body (with its own shebang interpreter, when it has one); any other command runs in
the shell with its heredocs appended, so ``RUN cat <<EOF > f`` is checked as the shell sees it,
and a body fed to a shell (``RUN bash <<EOF``) is checked as a script too.  Like hadolint:
exec form and non-POSIX shells (PowerShell, cmd, a ``# hadolint shell=pwsh`` pragma) are
skipped, the shebang is the SHELL in effect (``/bin/sh`` by default), every ARG/ENV name in
scope and the proxy variables are declared, and an ONBUILD trigger, which runs in a build
nobody here can see, gets ``/bin/sh`` and the proxy variables only.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from layerlint.checks.compat_facts import DEFAULT_SHELL, is_posix_shell, program_name, scope_at, shell_at
from layerlint.lazyre import lazy
from layerlint.rule import Hit, RuleContext, check, heredoc_is_shell
from layerlint.settings import SUBCODES, SUBCODES_JUDGED
from layerlint.source import Span

TYPE_CHECKING = False
if TYPE_CHECKING:
    from layerlint.model import Heredoc, Instruction
    from layerlint.shellcheck import Input

_NAME = lazy(r"[A-Za-z_][A-Za-z0-9_]*")
_BARE_HEREDOC = lazy(r"<<-?\s*(['\"]?)[^\s'\"]+\1")


@dataclass(frozen=True, slots=True)
class Piece:
    """One script for ShellCheck and the way from its text back to the Dockerfile."""

    input: Input
    instruction: int
    starts: tuple[int, ...]  # text offsets where a mapping segment begins, ascending
    maps: tuple[Callable[[int], int], ...]  # each segment's offset-in-segment -> source offset

    def to_source(self, index: int) -> int:
        i = max(0, bisect_right(self.starts, index) - 1)
        return self.maps[i](index - self.starts[i])

    def span(self, start: int, end: int) -> Span:
        src_start = self.to_source(start)
        src_end = self.to_source(end - 1) + 1 if end > start else src_start
        return Span(src_start, max(src_start, src_end))


@check("LL090")
def shellcheck(ctx: RuleContext) -> Iterator[Hit]:
    pieces = [piece for ins in ctx.dockerfile.instructions for piece in _pieces(ctx, ins) if piece.input.text.strip()]
    if not pieces:
        ctx.memo(SUBCODES_JUDGED, set).add(ctx.rule)
        return
    from layerlint import shellcheck as tool

    comments = tool.run([p.input for p in pieces])
    if comments is None:
        return
    ctx.memo(SUBCODES_JUDGED, set).add(ctx.rule)
    codes: dict[Hit, tuple[str, str]] = ctx.memo(SUBCODES, dict)
    for c in comments:
        piece = pieces[c.index]
        hit = Hit(piece.span(c.start, c.end), f"{c.code}: {c.message}", None, piece.instruction)
        if hit not in codes:  # a body checked both as heredoc data and as a script
            codes[hit] = (c.code, c.level)
            yield hit


def _pieces(ctx: RuleContext, ins: Instruction) -> Iterator[Piece]:
    """The scripts a RUN runs, with the shell and variables ShellCheck should assume."""
    run = ins.effective
    if run.keyword != "RUN" or run.exec_form:
        return
    argv, exports = _environment(ctx, ins)
    if not is_posix_shell(ctx, argv):
        return
    shell = _interpreter(ctx, DEFAULT_SHELL if ins.inner is not None else argv)
    command = run.command
    if len(run.heredocs) == 1 and _BARE_HEREDOC.fullmatch(command.text.strip()):
        piece = _body(run.heredocs[0], shell, exports, ins.index)
        if piece is not None:
            yield piece
        return
    text, starts, maps = command.text, [0], [_clamped(command.to_source, len(command.text))]
    for doc in run.heredocs:  # BuildKit appends "\n" + body + terminator for the shell to read
        starts.append(len(text) + 1)
        maps.append(lambda k, base=doc.body_span.start: base + k)
        text += "\n" + doc.content
        starts.append(len(text))
        maps.append(lambda k, end=doc.span.end, name=doc.name: end - len(name) + min(k, len(name)))
        text += doc.name
    yield Piece(_input(shell, exports, text), ins.index, tuple(starts), tuple(maps))
    words = [w for w in command.text.split() if "<<" not in w and not w.startswith("-")]
    if words and run.heredocs and heredoc_is_shell(command.text, ""):  # RUN bash <<EOF: the body is a script too
        for doc in run.heredocs:
            piece = _body(doc, _program(words), exports, ins.index)
            if piece is not None:
                yield piece


def _body(doc: Heredoc, shell: str, exports: tuple[str, ...], index: int) -> Piece | None:
    """A heredoc body run as a script; its own shebang line, when it has one, names the shell."""
    content, skip = doc.content, 0
    first = content.split("\n", 1)[0]
    if first.lstrip().startswith("#!"):
        if not heredoc_is_shell("", content):
            return None  # RUN <<EOF with #!/usr/bin/python3: not a shell script
        shell, skip = first.lstrip()[2:].strip(), min(len(first) + 1, len(content))
    base = doc.body_span.start + skip
    return Piece(_input(shell, exports, content[skip:]), index, (0,), (lambda k: base + k,))


def _input(shell: str, exports: tuple[str, ...], text: str) -> Input:
    from layerlint.shellcheck import Input

    return Input(shell, exports, text)


def _clamped(to_source: Callable[[int], int], length: int) -> Callable[[int], int]:
    """``to_source`` for the command, where the separator after its end maps to its last character."""
    return lambda k: to_source(min(k, length))


def _interpreter(ctx: RuleContext, shell: tuple[str, ...]) -> str:
    """The shebang interpreter: a ``# hadolint shell=`` pragma, else SHELL's program."""
    return _program(ctx.shell_override.split() if ctx.shell_override else list(shell))


def _program(words: list[str]) -> str:
    """``/bin/bash -c`` -> ``/bin/bash``, ``bash`` -> ``/bin/bash``, ``/usr/bin/env bash`` kept whole."""
    if not words:
        return DEFAULT_SHELL[0]
    if program_name(words[0]) == "env":
        rest = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
        if rest:
            return f"/usr/bin/env {rest[0]}"
    return words[0] if "/" in words[0] else f"/bin/{words[0]}"


def _environment(ctx: RuleContext, ins: Instruction) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The SHELL argv and the variables a RUN script may read (ARG/ENV in scope, proxy variables)."""
    from layerlint.expand import PROXY_ARGS

    names = set(PROXY_ARGS)
    if ctx.stage_of(ins) is None:  # before any FROM (a snippet, as hadolint's tests write them)
        shell = DEFAULT_SHELL
        for earlier in ctx.dockerfile.instructions[: ins.index]:
            if earlier.keyword == "SHELL" and earlier.exec_form and earlier.args:
                shell = tuple(w.value for w in earlier.args)
            elif earlier.keyword in ("ARG", "ENV") and ins.inner is None:
                names.update(pair.key for pair in earlier.pairs)
    else:
        shell = shell_at(ctx, ins)
        scope = scope_at(ctx, ins)  # None for ONBUILD triggers: they run in another build
        if scope is not None:
            names.update(name for name, origin in scope.origins.items() if origin != "platform")
            names.update(scope.declared_args)
            names.discard("PATH")
    return shell, tuple(sorted(n for n in names if _NAME.fullmatch(n)))
