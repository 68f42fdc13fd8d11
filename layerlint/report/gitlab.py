"""GitLab Code Quality: a JSON array of Code Climate issues for the merge request widget.

GitLab needs ``description``, ``check_name``, ``fingerprint``, ``severity`` (one of info,
minor, major, critical, blocker) and ``location.path`` with ``location.lines.begin``; it
shows only one issue per fingerprint, so fingerprints are unique and stable (see
``sarif.fingerprints``).  Paths are relative to the current directory, which in a job is
the checkout.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from layerlint.report import ReportOptions
from layerlint.report.sarif import fingerprints, relative_path
from layerlint.rule import Finding, Severity
from layerlint.source import SourceFile

SEVERITIES = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "minor", Severity.STYLE: "info"}
# Code Climate's category names, for tools that read the full spec.
CATEGORIES = {
    "syntax": "Bug Risk",
    "correctness": "Bug Risk",
    "cache": "Performance",
    "size": "Performance",
    "pinning": "Compatibility",
    "security": "Security",
    "style": "Style",
}


def severity(f: Finding) -> str:
    """An error that stops ``docker build`` (a syntax finding) blocks; other errors are critical."""
    if f.severity is Severity.ERROR and f.category == "syntax":
        return "blocker"
    return SEVERITIES[f.severity]


def issue(f: Finding, fingerprint: str) -> dict[str, Any]:
    return {
        "type": "issue",
        "description": f"{f.code} {f.message}",
        "check_name": f"{f.code} {f.name}",
        "fingerprint": fingerprint,
        "severity": severity(f),
        "categories": [CATEGORIES.get(f.category, "Bug Risk")],
        "location": {
            "path": relative_path(f.path),
            "lines": {"begin": f.line, "end": f.end_line},
        },
    }


def render(findings: Sequence[Finding], sources: Mapping[str, SourceFile], options: ReportOptions) -> str:
    issues = [issue(f, fp) for f, fp in zip(findings, fingerprints(findings, sources))]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
