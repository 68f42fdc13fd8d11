"""Ruff-like text output: ``path:line:col: CODE message``, the source line, a caret, a summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from layerlint.report import SEVERITY_COLORS, ReportOptions, Style
from layerlint.rule import Finding
from layerlint.source import SourceFile


def render(findings: Sequence[Finding], sources: Mapping[str, SourceFile], options: ReportOptions) -> str:
    style = Style(options.color)
    out: list[str] = []
    for f in findings:
        fixable = style("[*] ", "green") if f.fix is not None and f.fix.safety.value == "safe" else ""
        head = (
            f"{style(f.path, 'bold')}:{f.line}:{f.column}: "
            f"{style(f.code, *SEVERITY_COLORS[f.severity.label])} {fixable}{f.message}"
        )
        out.append(head)
        src = sources.get(f.path)
        if options.show_source and src is not None:
            out.extend(_snippet(src, f, style))
    if options.statistics and findings:
        out.append("")
        out.extend(statistics(findings))
    out.append(_summary(findings, options, style))
    return "\n".join(out) + "\n"


def _snippet(src: SourceFile, f: Finding, style: Style) -> list[str]:
    text = src.line_text(f.line)
    width = len(str(f.line))
    end_col = f.end_column if f.end_line == f.line else len(text) + 1
    carets = max(1, end_col - f.column)
    pad = " " * (f.column - 1)
    return [
        f"  {style(str(f.line), 'dim')} | {text}",
        f"  {' ' * width} | {pad}{style('^' * carets, *SEVERITY_COLORS[f.severity.label])}",
    ]


def statistics(findings: Sequence[Finding]) -> list[str]:
    """One line per rule, most frequent first (``--statistics``)."""
    counts = Counter((f.code, f.name) for f in findings)
    return [f"{n:>5}  {code}  {name}" for (code, name), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _summary(findings: Sequence[Finding], options: ReportOptions, style: Style) -> str:
    if not findings:
        return style(f"All checks passed ({options.files_checked} file{'s' if options.files_checked != 1 else ''}).", "green")
    by_sev = Counter(f.severity.label for f in findings)
    parts = ", ".join(f"{by_sev[s]} {s}" for s in ("error", "warning", "info", "style") if by_sev[s])
    line = f"Found {len(findings)} finding{'s' if len(findings) != 1 else ''} ({parts}) in {len({f.path for f in findings})} file(s)."
    safe = sum(1 for f in findings if f.fix is not None and f.fix.safety.value == "safe")
    unsafe = sum(1 for f in findings if f.fix is not None and f.fix.safety.value == "unsafe")
    if options.fixable_hint and (safe or unsafe):
        line += f"\n{safe} fixable with --fix" + (f" ({unsafe} more with --unsafe-fixes)" if unsafe else "") + "."
    return line
