"""How instructions are written, as BuildKit's build checks see it: casing, continuations,
legacy ``key value`` pairs and description comments.

None of these change what gets built; they are what BuildKit warns about because the form
is misleading or slated to become an error.
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.checks.buildkit_facts import casing, comments_above, keyword_casing
from layerlint.fixes import requote
from layerlint.model import Instruction, KeyValue
from layerlint.rule import Edit, Fix, Hit, RuleContext, check
from layerlint.source import Span

# --------------------------------------------------------------------------- empty continuation lines


def _heredoc_lines(ctx: RuleContext, ins: Instruction) -> set[int]:
    lines: set[int] = set()
    for doc in ins.effective.heredocs:
        first = ctx.source.position(doc.span.start).line
        last = ctx.source.position(max(doc.span.start, doc.span.end - 1)).line
        lines.update(range(first, last + 1))
    return lines


def _line_span(ctx: RuleContext, line: int, with_break: bool) -> Span:
    starts = ctx.source.line_starts
    start = starts[line - 1]
    end = starts[line] if line < len(starts) else len(ctx.source.text)
    if not with_break:
        end = start + len(ctx.source.line_text(line))
    return Span(start, end)


@check("LL531")
def empty_continuation_line(ctx: RuleContext) -> Iterator[Hit]:
    source = ctx.source
    for ins in ctx.dockerfile.instructions:
        first = source.position(ins.span.start).line
        last = source.position(max(ins.span.start, ins.span.end - 1)).line
        if last == first:
            continue
        skip = _heredoc_lines(ctx, ins)
        empty = [n for n in range(first + 1, last) if n not in skip and not source.line_text(n).strip()]
        if not empty:
            continue
        text = source.line_text(last)
        start = source.line_starts[last - 1] + len(text) - len(text.lstrip())
        shown = ", ".join(str(n) for n in empty)
        yield ctx.hit(
            Span(start, start + len(text.strip())),
            f"the instruction continues across empty line{'s' if len(empty) > 1 else ''} {shown}: BuildKit plans to reject them",
            Fix("Remove the empty continuation lines", tuple(Edit(_line_span(ctx, n, True), "") for n in empty)),
            ins,
        )


# --------------------------------------------------------------------------- keyword casing


@check("LL532")
def inconsistent_instruction_casing(ctx: RuleContext) -> Iterator[Hit]:
    keywords = [ins for stage in ctx.build.stages for ins in stage.instructions]
    majority, lower, upper = keyword_casing(ctx)
    for ins in keywords:
        raw = ins.keyword_raw
        if casing(raw) == majority:
            continue
        wanted = raw.lower() if majority == "lower" else raw.upper()
        edits = [Edit(ins.keyword_span, wanted)]
        stage_as = ins.args[1] if ins.keyword == "FROM" and len(ins.args) == 3 and ins.args[1].raw.upper() == "AS" else None
        if stage_as is not None and casing(stage_as.raw) == casing(raw):  # keep `FROM x AS y` matched (LL530)
            edits.append(Edit(stage_as.span, stage_as.raw.lower() if majority == "lower" else stage_as.raw.upper()))
        yield ctx.hit(
            ins.keyword_span,
            f"`{raw}` breaks the file's {majority}-case keywords ({max(lower, upper)} of {len(keywords)})",
            Fix(f"Write {wanted}", tuple(edits)),
            ins,
        )


# --------------------------------------------------------------------------- legacy key value


def _single_line(ctx: RuleContext, span: Span) -> bool:
    return "\n" not in ctx.source.slice(span)


def _space_outside_quotes(text: str, escape: str) -> bool:
    """Whether ``text`` would split into several words in the ``key=value`` form."""
    quote = ""
    escaped = False
    for c in text:
        if escaped:
            escaped = False
        elif c == escape and quote != "'":
            escaped = True
        elif quote:
            quote = "" if c == quote else quote
        elif c in "\"'":
            quote = c
        elif c.isspace():
            return True
    return False


def _modern_pair(ctx: RuleContext, pair: KeyValue) -> Fix | None:
    """``key value`` -> ``key=value``, double-quoted when the value has blanks, when that keeps the value.

    The quoted form is written for the file's escape character (``layerlint.fixes.requote``).
    """
    if pair.value_span is None or not _single_line(ctx, Span(pair.key_span.end, pair.value_span.end)):
        return None
    value = ctx.source.slice(pair.value_span)
    if not _space_outside_quotes(value, ctx.dockerfile.escape):
        return Fix("Write key=value", (Edit(Span(pair.key_span.end, pair.value_span.start), "="),))
    quoted = requote(value, ctx.dockerfile.escape)
    if quoted is None:
        return None
    return Fix("Write key=value", (Edit(Span(pair.key_span.end, pair.value_span.end), "=" + quoted),))


@check("LL534", instructions=("ENV", "LABEL"))
def legacy_key_value_format(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    if ins.inner is not None:
        return
    for pair in ins.pairs:
        if pair.sep or pair.value is None:
            continue
        yield ctx.hit(
            pair.span,
            f"`{ins.keyword} {pair.key} ...` uses the legacy `key value` form: everything after the key becomes the "
            f"value and only one pair fits; write `{ins.keyword} {pair.key}=...`",
            _modern_pair(ctx, pair),
            ins,
        )


# --------------------------------------------------------------------------- description comments


@check("LL536", instructions=("ARG", "FROM"))
def definition_comment_not_description(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    if ins.inner is not None:
        return
    if ins.keyword == "ARG":
        keys = [pair.key for pair in ins.pairs]
    elif len(ins.args) == 3 and ins.args[1].raw.upper() == "AS":
        keys = [ins.args[2].value.lower()]
    else:
        return
    comments = comments_above(ctx, ins)
    if not comments or not keys or comments[-1].split(" ")[0] in keys:
        return
    example = keys[0] if len(keys) == 1 else "<name>"
    yield ctx.hit(
        ins.keyword_span,
        f"the comment above this {ins.keyword} does not start with `{example}`, so tools that list build arguments and "
        f"stages will not take it for a description; write `# {example} <description>` or separate it with a blank line",
        None,
        ins,
    )
