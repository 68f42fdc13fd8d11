"""GitHub Actions workflow commands: one ``::error file=...::message`` line per finding.

The runner turns these lines into annotations on the pull request diff without any upload
step.  Escaping follows the Actions toolkit (``@actions/core`` ``command.ts``): in the
message ``%``, ``\\r`` and ``\\n`` are percent-encoded; in a property value ``:`` and ``,``
are too, since they delimit properties.  Columns are only sent for single-line findings:
the runner refuses ``col``/``endColumn`` when ``line`` and ``endLine`` differ.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from layerlint.report import ReportOptions
from layerlint.report.sarif import relative_path
from layerlint.rule import Finding, Severity
from layerlint.source import SourceFile

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice", Severity.STYLE: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(f: Finding) -> str:
    props: list[tuple[str, object]] = [("file", relative_path(f.path)), ("line", f.line)]
    if f.end_line == f.line:
        props += [("col", f.column), ("endColumn", max(f.end_column, f.column))]
    else:
        props.append(("endLine", f.end_line))
    props.append(("title", f"{f.code} {f.name}"))
    joined = ",".join(f"{key}={escape_property(str(value))}" for key, value in props)
    return f"::{COMMANDS[f.severity]} {joined}::{escape_data(f.message)}"


def render(findings: Sequence[Finding], sources: Mapping[str, SourceFile], options: ReportOptions) -> str:
    return "".join(command(f) + "\n" for f in findings)
