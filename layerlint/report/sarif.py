"""SARIF 2.1.0, the format GitHub code scanning (and most security dashboards) ingest.

Three things make a log useful there rather than merely valid:

* paths are relative URIs with ``uriBaseId: %SRCROOT%`` (relative to the current directory,
  which in CI is the checkout), so the same finding gets the same location on every runner;
* ``partialFingerprints`` do not contain the line number, so an alert survives code being
  added above it and is not closed and reopened on every push;
* every rule carries its page (summary, why, examples) as ``help``, so the alert explains
  itself without a link to follow.

``relative_path`` and ``fingerprints`` are shared with the other CI formats (``gitlab``,
``github``) so that every report names a file and a finding the same way.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from layerlint.report import ReportOptions
from layerlint.rule import Finding, Fix, Severity
from layerlint.source import SourceFile

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "layerlint/v1"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note", Severity.STYLE: "note"}
# GitHub ranks alerts of rules tagged "security" by this CVSS-like score (a string, 0.0-10.0).
_SECURITY_SEVERITY = {"error": "8.0", "warning": "5.5", "info": "3.0", "style": "1.0"}


def relative_path(path: str) -> str:
    """``path`` relative to the current directory with ``/`` separators (how CI tools name files)."""
    if path == "-" or not path:
        return path
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows: keep it absolute
        rel = os.path.abspath(path)
    return rel.replace(os.sep, "/")


def rule_help_uri(meta: Any) -> str | None:
    """Where a rule's page is published; None while the project has no documentation site."""
    return None


def fingerprints(findings: Sequence[Finding], sources: Mapping[str, SourceFile]) -> list[str]:
    """A stable identity per finding: rule, file, the flagged line's text and its occurrence.

    The line *number* is left out on purpose, and the text is whitespace-normalised, so
    inserting lines above a finding or re-indenting it keeps its identity; the occurrence
    counter keeps two identical findings on identical lines distinct (GitLab drops all but
    one issue per fingerprint).
    """
    seen: dict[tuple[str, str, str], int] = {}
    out: list[str] = []
    for f in findings:
        src = sources.get(f.path)
        text = " ".join(src.line_text(f.line).split()) if src is not None else ""
        key = (f.code, relative_path(f.path), text)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        digest = hashlib.sha256("\x00".join((*key, str(occurrence))).encode("utf-8")).hexdigest()
        out.append(digest[:32])
    return out


def render(findings: Sequence[Finding], sources: Mapping[str, SourceFile], options: ReportOptions) -> str:
    from layerlint import catalog

    metas = sorted(catalog.load().values(), key=lambda m: m.id)
    index = {m.id: i for i, m in enumerate(metas)}
    results = [
        _result(f, fp, index.get(f.code))
        for f, fp in zip(findings, fingerprints(findings, sources))
    ]
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": _driver(metas)},
                "originalUriBaseIds": {SRCROOT: {"uri": _directory_uri(os.getcwd())}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _driver(metas: Sequence[Any]) -> dict[str, Any]:
    from layerlint import __version__

    return {
        "name": "layerlint",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": [_rule(m) for m in metas],
    }


def _rule(m: Any) -> dict[str, Any]:
    from layerlint.catalog import text_page as page

    properties: dict[str, Any] = {"tags": [m.category], "category": m.category, "fix": m.fix}
    if m.aliases:
        properties["aliases"] = list(m.aliases)
    if m.category == "security":  # the tag GitHub looks for; it then ranks by security-severity
        properties["security-severity"] = _SECURITY_SEVERITY[m.severity]
    rule: dict[str, Any] = {
        "id": m.id,
        "name": m.name,
        "shortDescription": {"text": m.summary},
        "fullDescription": {"text": m.why.strip() or m.summary},
        "help": {"text": page(m), "markdown": markdown_page(m)},
        "defaultConfiguration": {"level": LEVELS[Severity.parse(m.severity)], "enabled": m.enabled},
        "properties": properties,
    }
    uri = rule_help_uri(m)
    if uri:
        rule["helpUri"] = uri
    return rule


def markdown_page(m: Any) -> str:
    """A rule's page as Markdown: summary, why, then each example as fenced Dockerfiles."""
    parts = [f"**{m.id} {m.name}**: {m.summary}", "", m.why.strip(), ""]
    for ex in m.examples:
        for key in ("bad", "good", "fixed"):
            if ex.get(key):
                parts += [f"{key.capitalize()}:", "", "```dockerfile", ex[key].rstrip(), "```", ""]
    parts += [f"See also: <{ref}>" for ref in m.references]
    return "\n".join(parts).rstrip() + "\n"


def _region(line: int, column: int, end_line: int, end_column: int) -> dict[str, int]:
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def _artifact(path: str) -> dict[str, str]:
    return {"uri": quote(relative_path(path), safe="/-._~"), "uriBaseId": SRCROOT}


def _result(f: Finding, fingerprint: str, rule_index: int | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.code,
        "level": LEVELS[f.severity],
        "message": {"text": f.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact(f.path),
                    "region": _region(f.line, f.column, f.end_line, f.end_column),
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    if rule_index is not None:
        result["ruleIndex"] = rule_index
    if f.fix is not None:
        result["fixes"] = [_fix(f, f.fix)]
    return result


def _fix(f: Finding, fix: Fix) -> dict[str, Any]:
    """A SARIF fix; regions are character offsets, which agree with ``columnKind: unicodeCodePoints``."""
    return {
        "description": {"text": f"{fix.title} ({fix.safety.value} fix)"},
        "artifactChanges": [
            {
                "artifactLocation": _artifact(f.path),
                "replacements": [
                    {"deletedRegion": {"charOffset": e.span.start, "charLength": len(e.span)}, "insertedContent": {"text": e.text}}
                    for e in fix.edits
                ],
            }
        ],
    }


def _directory_uri(path: str) -> str:
    from pathlib import Path

    uri = Path(path).resolve().as_uri()
    return uri if uri.endswith("/") else uri + "/"
