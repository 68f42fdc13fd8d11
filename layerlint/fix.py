"""Apply fixes: one careful loop, as ruff does (ARCHITECTURE.md §5.7).

Each pass lints the text, takes the fixes allowed (safe, plus unsafe with ``--unsafe-fixes``),
applies the ones that do not overlap in source order, then re-parses.  A pass that makes the
file unparsable, or that changes an instruction no applied fix touched, is rolled back and its
fixes are retried one at a time so one bad fix cannot block the good ones.  Passes repeat until
nothing changes or ``MAX_PASSES`` is reached.  Inserted line breaks follow the file's own
line endings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from layerlint.engine import lint_source
from layerlint.model import Dockerfile
from layerlint.parse import parse
from layerlint.rule import Edit, Finding, Fix, Safety
from layerlint.settings import Settings
from layerlint.source import SourceFile, Span

MAX_PASSES = 10

TYPE_CHECKING = False  # typing costs ~3 ms to import; annotations are strings here
if TYPE_CHECKING:
    from typing import TypeVar

    T = TypeVar("T")


@dataclass
class FixResult:
    """The fixed text and what happened; ``edits`` lets callers check exactly what changed.

    ``edits`` holds one entry per applied batch: the text before it and the edits applied
    to that text (``apply_edits(before, edits)`` gives the next text).
    """

    text: str
    applied: list[Finding] = field(default_factory=list)
    remaining: list[Finding] = field(default_factory=list)
    passes: int = 0
    edits: list[tuple[str, list[Edit]]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.applied)


def allowed(fix: Fix | None, unsafe: bool) -> bool:
    return fix is not None and (fix.safety is Safety.SAFE or unsafe)


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits (sorted here) to ``text``."""
    newline = "\r\n" if "\r\n" in text else "\n"
    out: list[str] = []
    pos = 0
    for e in sorted(edits, key=lambda e: (e.span.start, e.span.end)):
        out.append(text[pos : e.span.start])
        replacement = e.text
        if newline != "\n":
            replacement = replacement.replace("\r\n", "\n").replace("\n", newline)
        out.append(replacement)
        pos = e.span.end
    out.append(text[pos:])
    return "".join(out)


def conflicts(a: Edit, b: Edit) -> bool:
    """Overlapping ranges, or two edits at one point (their order would be ambiguous)."""
    return (a.span.start < b.span.end and b.span.start < a.span.end) or a.span.start == b.span.start


def compatible(items: Iterable[T], fix_of: Callable[[T], Fix | None]) -> list[T]:
    """The items whose fixes can be applied together in one pass, earliest first.

    A fix that conflicts with an earlier one waits for the next pass (the CLI's loop) or the
    next request (the language server's fix-all).
    """
    chosen: list[T] = []
    taken: list[Edit] = []
    for item in sorted(items, key=lambda i: min((e.span.start for e in fix_of(i).edits), default=0)):  # type: ignore[union-attr]
        edits = fix_of(item).edits  # type: ignore[union-attr]
        if not edits or any(conflicts(e, t) for e in edits for t in taken):
            continue
        chosen.append(item)
        taken.extend(edits)
    return chosen


def _untouched_instructions(df: Dockerfile, edits: list[Edit]) -> list[str]:
    """The text of every instruction no edit touches."""
    return [
        df.source.slice(ins.span)
        for ins in df.instructions
        if not any(e.span.start <= ins.span.end and ins.span.start <= e.span.end for e in edits)
    ]


def _is_subsequence(needles: list[str], haystack: list[str]) -> bool:
    it = iter(haystack)
    return all(any(n == h for h in it) for n in needles)


def _acceptable(before: str, after: str, path: str, edits: list[Edit]) -> bool:
    """The fixed text parses at least as well and keeps every instruction no fix targeted."""
    old, new = parse(SourceFile(path, before)), parse(SourceFile(path, after))
    if len(new.errors) > len(old.errors):
        return False
    kept = [new.source.slice(i.span) for i in new.instructions]
    return _is_subsequence(_untouched_instructions(old, edits), kept)


def fix_source(
    source: SourceFile, settings: Settings, *, unsafe: bool = False, context_dir: str | None = None
) -> FixResult:
    """Fix ``source`` to a fixed point; returns the new text and what was applied."""
    text = source.text
    result = FixResult(text)
    for _ in range(MAX_PASSES):
        findings = lint_source(SourceFile(source.path, text), settings, context_dir=context_dir).findings
        chosen = compatible((f for f in findings if allowed(f.fix, unsafe)), lambda f: f.fix)
        taken = [e for f in chosen for e in f.fix.edits]  # type: ignore[union-attr]
        if not chosen:
            result.remaining = findings
            break
        result.passes += 1
        new_text = apply_edits(text, taken)
        if new_text != text and _acceptable(text, new_text, source.path, taken):
            result.edits.append((text, taken))
            text = new_text
            result.applied.extend(chosen)
            continue
        # Roll back the pass and retry its fixes one by one, keeping the ones that are sound.
        progressed = False
        for f in chosen:
            assert f.fix is not None
            edits = list(f.fix.edits)
            candidate = apply_edits(text, edits)
            if candidate != text and _acceptable(text, candidate, source.path, edits):
                result.edits.append((text, edits))
                text = candidate
                result.applied.append(f)
                progressed = True
                break  # spans of the remaining fixes refer to the old text: re-lint first
        if not progressed:
            result.remaining = findings
            break
    else:
        result.remaining = lint_source(SourceFile(source.path, text), settings, context_dir=context_dir).findings
    result.text = text
    return result


def add_ignores(source: SourceFile, findings: list[Finding]) -> str:
    """Insert ``# layerlint: ignore=...`` above each instruction that has findings (``--add-ignore``)."""
    df = parse(source)
    by_instruction: dict[int, set[str]] = {}
    for f in findings:
        for ins in df.instructions:
            if ins.span.start <= f.span.start <= ins.span.end:
                by_instruction.setdefault(ins.index, set()).add(f.code)
                break
    edits = []
    for ins in df.instructions:
        codes = by_instruction.get(ins.index)
        if not codes:
            continue
        line_start = source.text.rfind("\n", 0, ins.span.start) + 1
        indent = source.text[line_start : ins.span.start]
        if indent.strip():
            continue  # the instruction does not start its line (cannot happen for parsed files)
        edits.append(Edit(Span(line_start, line_start), f"{indent}# layerlint: ignore={','.join(sorted(codes))}\n"))
    return apply_edits(source.text, edits)


def unified_diff(path: str, before: str, after: str) -> str:
    import difflib

    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), fromfile=f"a/{path}", tofile=f"b/{path}"
        )
    )
