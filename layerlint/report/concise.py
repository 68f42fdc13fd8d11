"""One line per finding, nothing else: ``path:line:col: CODE [severity] message``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from layerlint.report import ReportOptions
from layerlint.rule import Finding
from layerlint.source import SourceFile


def render(findings: Sequence[Finding], sources: Mapping[str, SourceFile], options: ReportOptions) -> str:
    return "".join(f"{f.path}:{f.line}:{f.column}: {f.code} [{f.severity.label}] {f.message}\n" for f in findings)
