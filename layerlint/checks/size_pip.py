"""pip: the download and wheel cache left in the layer (LL303), and a ``PIP_NO_CACHE_DIR``
whose value reads as the opposite of what pip does with it (LL544)."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.checks.size_common import cache_hits, commands, earlier_run_matches
from layerlint.fixes import insert_after
from layerlint.lazyre import lazy
from layerlint.model import Instruction
from layerlint.pkgfacts import FALSE_WORDS  # false-looking values: pip turns its cache off for them all the same
from layerlint.rule import Edit, Fix, Hit, RuleContext, check
from layerlint.shell import Command, ShellWord
from layerlint.source import Span

# `pip config set global.no-cache-dir ...`, or `no-cache-dir = ...` written into a pip.conf.
_CONFIGURED = lazy(r"(?s)\bpip[\d.]*\s+config\s+(?:--\S+\s+)*set\s+\S*no-cache-dir|no-cache-dir\s*=.*pip\.conf")


def _fix(cmd: Command, word: ShellWord | None) -> Fix | None:
    return insert_after(word, "--no-cache-dir", "Add --no-cache-dir") if word is not None else None


@check("LL303", instructions=("RUN",))
def pip_cache_left_in_layer(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    if earlier_run_matches(ctx, ins, "pip-cache-configured", lambda t: bool(_CONFIGURED.search(t)), include_self=False):
        return
    yield from cache_hits(
        ctx,
        ins,
        {"pip"},
        lambda e, cmd: "add --no-cache-dir (or set ENV PIP_NO_CACHE_DIR=1, or use RUN --mount=type=cache,target="
        f"{e.path})",
        _fix,
    )


# --------------------------------------------------------------------------- LL544

_NAME = "PIP_NO_CACHE_DIR"
# `PIP_NO_CACHE_DIR=value` as written in a RUN line, quotes included.
_ASSIGNED = lazy(r"(?<![\w$])PIP_NO_CACHE_DIR=(\"[^\"]*\"|'[^']*'|[^\s;&|)\"',]*)")


def _unquoted(raw: str) -> str:
    return raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'" else raw


def _false_value_hit(ctx: RuleContext, ins: Instruction, span: Span, value: str, value_span: Span | None) -> Hit:
    fix = Fix(f"Write {_NAME}=1", (Edit(value_span, "1"),)) if value_span is not None else None
    return ctx.hit(
        span,
        f"{_NAME}={value} still turns pip's cache off (pip disables it for any value, {value} included): write 1 to "
        "say what happens, or remove the variable to keep the cache",
        fix,
        ins,
    )


def _run_assignments(ctx: RuleContext, cmd: Command) -> Iterator[tuple[Span, str, Span | None]]:
    """``PIP_NO_CACHE_DIR`` handed to a program: a ``NAME=value`` prefix (also after ``env``) or ``export``.

    Yields the span of the assignment, its value, and the span of the value as written
    (None when the source does not spell it plainly, e.g. across a line continuation).
    """
    source = ctx.source
    values = [a[len(_NAME) + 1 :] for a in cmd.assignments if a.startswith(_NAME + "=")] if cmd.words else []
    if values:
        start, end = cmd.span.start, cmd.words[0].span.start
        written = [(m, _unquoted(m.group(1))) for m in _ASSIGNED.finditer(source.slice(Span(start, end)))]
        for value in values:
            m = next((m for m, v in written if v == value), None)
            if m is None:
                yield Span(start, end), value, None
            else:
                yield Span(start + m.start(), start + m.end()), value, Span(start + m.start(1), start + m.end(1))
    if cmd.name in ("export", "declare", "typeset"):
        for word in cmd.args:
            name, eq, value = word.unquoted.partition("=")
            if name != _NAME or not eq:
                continue
            plain = word.raw.startswith(_NAME + "=") and source.slice(word.span) == word.raw
            at = word.span.start + len(_NAME) + 1
            yield word.span, value, Span(at, word.span.end) if plain else None


@check("LL544", instructions=("ENV", "ARG", "RUN"))
def pip_no_cache_dir_false_value(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    effective = ins.effective
    if effective.keyword in ("ENV", "ARG"):
        from layerlint.expand import unquote

        for pair in effective.pairs:
            if pair.key != _NAME or pair.value is None or "$" in pair.value:
                continue
            value = unquote(pair.value, ctx.dockerfile.escape)
            if value.lower() in FALSE_WORDS:
                yield _false_value_hit(ctx, ins, pair.span, value, pair.value_span)
        return
    for cmd in commands(ctx, ins):
        for span, value, value_span in _run_assignments(ctx, cmd):
            if value.lower() in FALSE_WORDS:
                yield _false_value_hit(ctx, ins, span, value, value_span)
