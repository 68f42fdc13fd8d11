"""Checkstyle XML, which Jenkins (warnings-ng), reviewdog and many IDE plugins read.

One ``<file>`` per linted file (clean files included, so a consumer can tell "checked, fine"
from "not checked"), one ``<error>`` per finding.  Attribute values go through
``xml.sax.saxutils.quoteattr`` so quotes, ``&``, ``<`` and newlines in messages survive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from xml.sax.saxutils import quoteattr

from layerlint.report import ReportOptions
from layerlint.rule import Finding, Severity
from layerlint.source import SourceFile

SEVERITIES = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "info", Severity.STYLE: "info"}


def files_in_order(findings: Sequence[Finding], sources: Mapping[str, SourceFile]) -> dict[str, list[Finding]]:
    """Every file, in the order it was linted, with its findings (shared with ``junit``)."""
    out: dict[str, list[Finding]] = {path: [] for path in sources}
    for f in findings:
        out.setdefault(f.path, []).append(f)
    return out


def xml_text(text: str) -> str:
    """Characters XML 1.0 cannot carry at all (most C0 controls) become U+FFFD."""
    return "".join(ch if ch in "\t\n\r" or ord(ch) >= 0x20 else "\ufffd" for ch in text)


def attr(text: object) -> str:
    return quoteattr(xml_text(str(text)), {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def render(findings: Sequence[Finding], sources: Mapping[str, SourceFile], options: ReportOptions) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<checkstyle version="4.3">']
    for path, items in files_in_order(findings, sources).items():
        if not items:
            out.append(f"  <file name={attr(path)}/>")
            continue
        out.append(f"  <file name={attr(path)}>")
        for f in items:
            out.append(
                f"    <error line={attr(f.line)} column={attr(f.column)} severity={attr(SEVERITIES[f.severity])}"
                f" message={attr(f.message)} source={attr('layerlint.' + f.code)}/>"
            )
        out.append("  </file>")
    out.append("</checkstyle>")
    return "\n".join(out) + "\n"
