"""``layerlint [check] PATH...``: lint files and report findings."""

from __future__ import annotations

import argparse
import sys

from layerlint.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, UsageError
from layerlint.commands.common import context_dir, read_input, settings_for, write_output
from layerlint.discover import discover
from layerlint.rule import Finding, Severity
from layerlint.source import SourceError, SourceFile


def run(args: argparse.Namespace) -> int:
    from layerlint import report

    if args.format not in report.FORMATS:
        raise UsageError(f"unknown format {args.format!r} (choose from {', '.join(sorted(report.FORMATS))})")
    paths = list(discover(args.paths))
    findings: list[Finding] = []
    sources: dict[str, SourceFile] = {}
    failed_reads = 0
    failing = False
    for path in paths:
        try:
            source = read_input(path, args.stdin_filename)
        except SourceError as exc:
            print(f"layerlint: {exc}", file=sys.stderr)
            failed_reads += 1
            continue
        settings = settings_for(args.stdin_filename or path if path == "-" else path, args)
        from layerlint.engine import lint_source

        result = lint_source(source, settings, context_dir=context_dir(path, settings))
        sources[source.path] = source
        findings.extend(result.findings)
        if not settings.no_fail and any(f.severity >= settings.failure_threshold for f in result.findings):
            failing = True
    options = report.ReportOptions(
        color=not args.no_color and report.use_color(sys.stdout) and not args.output_file,
        statistics=args.statistics,
        files_checked=len(sources),
    )
    write_output(report.reporter(args.format).render(findings, sources, options), args.output_file)
    if failed_reads:
        return EXIT_ERROR
    if failing and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_OK


__all__ = ["run", "Severity"]
