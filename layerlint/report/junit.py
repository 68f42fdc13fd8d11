"""JUnit XML, for CI systems that only display test results (GitLab ``reports: junit``,
Azure Pipelines, Jenkins, CircleCI).

One ``<testsuite>`` per linted file; each finding is a failing ``<testcase>``, and a clean
file gets one passing test case so it still shows up as checked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

from layerlint.report import ReportOptions
from layerlint.report.checkstyle import attr, files_in_order, xml_text
from layerlint.rule import Finding
from layerlint.source import SourceFile


def _case(path: str, f: Finding, src: SourceFile | None) -> list[str]:
    name = f"{f.code} {f.name} at line {f.line}, column {f.column}"
    body = [f"{path}:{f.line}:{f.column}: {f.code} [{f.severity.label}] {f.message}"]
    if src is not None:
        body.append(src.line_text(f.line))
    return [
        f"    <testcase name={attr(name)} classname={attr(path)} file={attr(path)} line={attr(f.line)}>",
        f"      <failure message={attr(f.message)} type={attr(f.code)}>{escape(xml_text(chr(10).join(body)))}</failure>",
        "    </testcase>",
    ]


def render(findings: Sequence[Finding], sources: Mapping[str, SourceFile], options: ReportOptions) -> str:
    files = files_in_order(findings, sources)
    total = sum(max(1, len(items)) for items in files.values())
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name="layerlint" tests="{total}" failures="{len(findings)}" errors="0">',
    ]
    for path, items in files.items():
        out.append(
            f"  <testsuite name={attr(path)} tests=\"{max(1, len(items))}\" failures=\"{len(items)}\" errors=\"0\" skipped=\"0\">"
        )
        if not items:
            out.append(f"    <testcase name=\"no findings\" classname={attr(path)} file={attr(path)}/>")
        for f in items:
            out.extend(_case(path, f, sources.get(path)))
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"
