"""A flat JSON array of findings (the schema in the README is a public contract)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from layerlint.report import ReportOptions
from layerlint.rule import Finding, Fix
from layerlint.source import SourceFile


def fix_json(fix: Fix | None, src: SourceFile | None) -> dict[str, Any] | None:
    if fix is None:
        return None
    edits = []
    for e in fix.edits:
        item: dict[str, Any] = {"start": e.span.start, "end": e.span.end, "content": e.text}
        if src is not None:
            a, b = src.position(e.span.start), src.position(e.span.end)
            item.update(line=a.line, column=a.column, end_line=b.line, end_column=b.column)
        edits.append(item)
    return {"title": fix.title, "safety": fix.safety.value, "edits": edits}


def finding_json(f: Finding, src: SourceFile | None) -> dict[str, Any]:
    return {
        "path": f.path,
        "code": f.code,
        "name": f.name,
        "category": f.category,
        "severity": f.severity.label,
        "message": f.message,
        "line": f.line,
        "column": f.column,
        "end_line": f.end_line,
        "end_column": f.end_column,
        "aliases": list(f.aliases),
        "fix": fix_json(f.fix, src),
    }


def render(findings: Sequence[Finding], sources: Mapping[str, SourceFile], options: ReportOptions) -> str:
    return json.dumps([finding_json(f, sources.get(f.path)) for f in findings], indent=2, ensure_ascii=False) + "\n"
