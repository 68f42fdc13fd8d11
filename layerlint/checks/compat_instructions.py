"""Instruction arguments and runtime config: WORKDIR, EXPOSE, ADD, COPY, CMD/ENTRYPOINT, HEALTHCHECK, MAINTAINER.

Arguments are expanded with the instruction's ARG/ENV scope where BuildKit expands them
(WORKDIR, EXPOSE, ADD/COPY sources and destination, ``--from``), so ``ARG DIR=/app`` /
``WORKDIR $DIR`` is judged by its value and an unknown value is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from layerlint.build import lineage
from layerlint.checks.compat_facts import (
    DEFAULT_SHELL,
    WINDOWS_SHELL,
    earlier_stage_named,
    expand,
    expand_from,
    shell_at,
)
from layerlint.fixes import dockerfile_string, exec_form, from_scratch, hides_comment, rooted, shell_words
from layerlint.model import Instruction, Word
from layerlint.rule import Edit, Fix, Hit, RuleContext, Safety, check
from layerlint.source import Span

_WINDOWS_ABSOLUTE = r"^(?:[A-Za-z]:(?:[\\/]|$)|\\\\)"


def _later_in_stage(ctx: RuleContext, ins: Instruction) -> Instruction | None:
    """The next top-level instruction of the same keyword in ``ins``'s stage."""
    stage = ctx.stage_of(ins)
    if stage is None or ins.inner is not None:
        return None
    return next((o for o in stage.instructions if o.index > ins.index and o.keyword == ins.keyword), None)


def _workdir_before(ctx: RuleContext, ins: Instruction) -> bool:
    """Whether a WORKDIR of the stage or of the stages it is built FROM comes before ``ins``."""
    stage = ctx.stage_of(ins)
    if stage is None:
        return False
    return any(
        other.keyword == "WORKDIR" and other.index < ins.index
        for s in lineage(ctx.build, stage)
        for other in s.instructions
    )


def _value(ctx: RuleContext, ins: Instruction, word: Word) -> str | None:
    """A word's value after BuildKit's expansion (exec-form JSON strings are expanded too)."""
    text = word.value if ins.effective.exec_form else word.raw
    return expand(ctx, ins, text) if "$" in text else word.value


def _line(ctx: RuleContext, ins: Instruction) -> int:
    return ctx.source.position(ins.span.start).line


# --------------------------------------------------------------------------- WORKDIR


@check("LL501", instructions=("WORKDIR",))
def relative_workdir(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    ins_ = ins.effective
    if not ins_.args:
        return
    word = ins_.args[0]
    value = _value(ctx, ins, word)
    if value is None:
        return
    literal = word.raw.strip().strip("'\"")
    if value.startswith("/") or re.match(_WINDOWS_ABSOLUTE, value) or re.match(_WINDOWS_ABSOLUTE, literal):
        return
    if _workdir_before(ctx, ins):
        return  # resolved against a directory this Dockerfile set: deterministic (BuildKit agrees)
    yield ctx.hit(
        word.span,
        f"WORKDIR {value} is relative: it depends on every WORKDIR before it, including the base image's",
        _absolute_workdir(ctx, ins, word, value),
        ins,
    )


def _absolute_workdir(ctx: RuleContext, ins: Instruction, word: Word, value: str) -> Fix | None:
    """Write the path BuildKit resolves a relative WORKDIR to, when the one before it is known.

    With no WORKDIR earlier in the stage (else the rule is quiet) that is only an image built
    from ``scratch``, whose working directory is ``/``.  A value that needs quoting is left alone.
    """
    if ins.inner is not None or "$" in word.raw or not from_scratch(ctx, ins) or hides_comment(ctx, word.span):
        return None
    path = rooted(value)
    return Fix(f"Write WORKDIR {path}", (Edit(word.span, path),)) if path is not None else None


# --------------------------------------------------------------------------- EXPOSE


@check("LL503", instructions=("EXPOSE",))
def exposed_port_out_of_range(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    for word in ins.effective.args:
        value = _value(ctx, ins, word)
        if value is None:
            continue
        ports = value.split("/", 1)[0].split("-")
        if any(p.isdigit() and int(p) > 65535 for p in ports):
            yield ctx.hit(word.span, f"port {value} is above 65535: no such port exists", None, ins)


# --------------------------------------------------------------------------- HEALTHCHECK, CMD, ENTRYPOINT


def _overridden(ctx: RuleContext, ins: Instruction, what: str) -> Iterator[Hit]:
    """Report the instruction that has no effect (as BuildKit does), naming the one that wins."""
    later = _later_in_stage(ctx, ins)
    if later is not None:
        yield ctx.hit(
            ins.keyword_span,
            f"this {what} has no effect: the {what} on line {_line(ctx, later)} replaces it (only the last {what} of a stage counts)",
            None,
            ins,
        )


@check("LL504", instructions=("HEALTHCHECK",))
def multiple_healthchecks(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    yield from _overridden(ctx, ins, "HEALTHCHECK")


@check("LL511", instructions=("CMD",))
def multiple_cmds(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    yield from _overridden(ctx, ins, "CMD")


@check("LL512", instructions=("ENTRYPOINT",))
def multiple_entrypoints(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    yield from _overridden(ctx, ins, "ENTRYPOINT")


_SHELL_LESS = r"(?i)^(?:scratch$|(?:[^/]+/)*distroless/|cgr\.dev/chainguard/static)"


def _has_no_shell(ctx: RuleContext, ins: Instruction) -> bool:
    """The stage's image starts from scratch or a distroless image (``:debug`` variants have busybox)."""
    stage = ctx.stage_of(ins)
    if stage is None:
        return False
    root = lineage(ctx.build, stage)[0]
    base = expand_from(ctx, root.base) or ""
    return bool(re.match(_SHELL_LESS, base)) and ":debug" not in base


@check("LL508", instructions=("CMD", "ENTRYPOINT", "HEALTHCHECK"))
def cmd_in_shell_form(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    if ins.inner is not None or ins.exec_form or not ins.args:
        return
    if ins.keyword != "HEALTHCHECK" and shell_at(ctx, ins) not in (DEFAULT_SHELL, WINDOWS_SHELL):
        return  # a SHELL instruction chose the shell on purpose (BuildKit's JSONArgsRecommended agrees)
    if ins.keyword == "HEALTHCHECK":
        if ins.args[0].raw.upper() != "CMD" or len(ins.args) < 2 or not _has_no_shell(ctx, ins):
            return
        yield ctx.hit(
            ins.args[1].span,
            "shell-form HEALTHCHECK needs /bin/sh, which this image does not have: the check always fails",
            _exec_form_fix(ctx, ins, ins.args[1]),
            ins,
        )
        return
    yield ctx.hit(
        ins.args[0].span,
        f"shell-form {ins.keyword} runs under /bin/sh -c: the process is not PID 1 and never receives SIGTERM, so `docker stop` waits and kills it",
        _exec_form_fix(ctx, ins, ins.args[0]),
        ins,
    )


def _exec_form_fix(ctx: RuleContext, ins: Instruction, command: Word) -> Fix | None:
    """Rewrite a shell-form command that is only words and quotes as a JSON array (unsafe).

    An ENTRYPOINT is left alone when the stage has a CMD: in exec form that CMD would become
    its arguments, where the shell form ignored it.
    """
    words = shell_words(command.value)
    if words is None or hides_comment(ctx, command.span):
        return None  # needs a shell, or a comment line inside the continuation would be lost
    stage = ctx.stage_of(ins)
    if ins.keyword == "ENTRYPOINT" and stage is not None and any(i.keyword == "CMD" for i in stage.instructions):
        return None
    array = exec_form(words)
    return Fix(f"Write the command as {array}", (Edit(command.span, array),), Safety.UNSAFE)


# --------------------------------------------------------------------------- ADD, COPY

_URL = r"(?i)^(?:https?|git|ssh)://|^git@"
_ARCHIVE = r"\.(?:tar|t[gbx]z|tbz2|tb2|tzst|tlz|taz|gz|bz2|xz|zst|lz|lzma|Z)$"
_COPY_FLAGS = frozenset({"chown", "chmod", "link", "exclude", "parents"})


def _sources(ins: Instruction) -> tuple[Word, ...]:
    return ins.args[:-1] if len(ins.args) > 1 else ()


@check("LL505", instructions=("ADD",))
def add_for_local_files(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    target = ins.effective
    sources = _sources(target)
    if not sources or target.heredocs:
        return
    for word in sources:
        value = _value(ctx, ins, word)
        if value is None or re.match(_URL, value) or re.search(_ARCHIVE, value):
            return
    fix = None
    if all(f.name in _COPY_FLAGS for f in target.flags):
        keyword = "COPY" if target.keyword_raw.isupper() else "copy"
        fix = Fix("use COPY", (Edit(target.keyword_span, keyword),), Safety.UNSAFE)
    yield ctx.hit(target.keyword_span, "ADD of local files: COPY does the same without ADD's implicit unpacking and downloads", fix, ins)


@check("LL506", instructions=("COPY",))
def copy_sources_to_non_directory(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    target = ins.effective
    if len(target.args) < 3:
        return
    dest = target.args[-1]
    value = _value(ctx, ins, dest)
    if value is None or value.endswith(("/", "\\")):
        return
    fix = None
    if not target.exec_form and dest.raw == dest.value:
        fix = Fix("end the destination with /", (Edit(Span(dest.span.end, dest.span.end), "/"),))
    yield ctx.hit(dest.span, f"COPY of {len(target.args) - 1} sources needs a directory: end `{value}` with /", fix, ins)


@check("LL507", instructions=("COPY",))
def copy_from_undefined_stage(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    flag = ins.flag("from")
    if ins.inner is not None or flag is None or not flag.value:
        return
    value = expand(ctx, ins, flag.value)
    if not value:
        return
    stage = ctx.stage_of(ins)
    before = stage.index if stage is not None else 0
    if value.isdigit():
        if int(value) < before:
            return
    elif earlier_stage_named(ctx, value, stage) is not None or any(c in value for c in ":/@"):
        return
    later = ctx.build.stage_named(value)
    where = f"it is defined later, on line {_line(ctx, later.from_instruction)}" if later is not None and later.index >= before else "no stage has that name"
    yield ctx.hit(flag.span, f"--from={value} is not an earlier stage ({where}): BuildKit pulls an image of that name instead", None, ins)


# --------------------------------------------------------------------------- MAINTAINER


@check("LL510", instructions=("MAINTAINER",))
def maintainer_instruction(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    fix = None
    if ins.inner is None and ins.args and not hides_comment(ctx, ins.span):
        raw = ins.args[0].raw  # BuildKit keeps MAINTAINER's text as written, quotes included
        if len(raw) > 1 and raw[0] == raw[-1] and raw[0] in "\"'":
            raw = raw[1:-1]
        label = "LABEL" if ins.keyword_raw.isupper() else "label"
        value = dockerfile_string(raw, ctx.dockerfile.escape)
        fix = Fix(
            f"Write {label} {_AUTHORS}=...",
            (Edit(Span(ins.keyword_span.start, ins.args[0].span.end), f"{label} {_AUTHORS}={value}"),),
            Safety.UNSAFE,
        )
    yield ctx.hit(
        ins.keyword_span,
        f"MAINTAINER is deprecated and only sets the image's Author field: use LABEL {_AUTHORS}=...",
        fix,
        ins,
    )


_AUTHORS = "org.opencontainers.image.authors"
