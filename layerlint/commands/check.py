"""``layerlint [check] PATH...``: lint files, optionally fix them, and report findings."""

from __future__ import annotations

import argparse
import sys

from layerlint.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, UsageError
from layerlint.commands.common import context_dir, read_input, settings_for, write_output
from layerlint.discover import discover
from layerlint.rule import Finding
from layerlint.settings import Settings
from layerlint.source import SourceError, SourceFile


def run(args: argparse.Namespace) -> int:
    from layerlint import report

    if args.format not in report.FORMATS:
        raise UsageError(f"unknown format {args.format!r} (choose from {', '.join(sorted(report.FORMATS))})")
    findings: list[Finding] = []
    sources: dict[str, SourceFile] = {}
    failed_reads = 0
    failing = False
    fixed_total = 0
    for path in discover(args.paths):
        try:
            source = read_input(path, args.stdin_filename)
        except SourceError as exc:
            print(f"layerlint: {exc}", file=sys.stderr)
            failed_reads += 1
            continue
        settings = settings_for(source.path if path == "-" else path, args)
        file_findings, fixed = _process(path, source, settings, args)
        fixed_total += fixed
        sources[source.path] = source
        findings.extend(file_findings)
        if not settings.no_fail and any(f.severity >= settings.failure_threshold for f in file_findings):
            failing = True
    if args.diff:
        if fixed_total:
            print(f"Would fix {fixed_total} finding{'s' if fixed_total != 1 else ''}.", file=sys.stderr)
        return EXIT_FINDINGS if fixed_total else EXIT_OK
    if not (args.fix and args.paths == ["-"]):  # with stdin --fix, stdout carries the fixed text
        options = report.ReportOptions(
            color=not args.no_color and report.use_color(sys.stdout) and not args.output_file,
            statistics=args.statistics,
            files_checked=len(sources),
        )
        write_output(report.reporter(args.format).render(findings, sources, options), args.output_file)
    if fixed_total and args.format in ("text", "full"):
        print(f"Fixed {fixed_total} finding{'s' if fixed_total != 1 else ''}.", file=sys.stderr)
    if failed_reads:
        return EXIT_ERROR
    if (failing and not args.exit_zero) or (fixed_total and args.exit_non_zero_on_fix):
        return EXIT_FINDINGS
    return EXIT_OK


def _process(path: str, source: SourceFile, settings: Settings, args: argparse.Namespace) -> tuple[list[Finding], int]:
    """Lint one file, applying fixes or ignore comments when asked; returns (findings, fixes applied)."""
    from layerlint.engine import lint_source

    ctx_dir = context_dir(path, settings)
    if not (args.fix or args.diff or args.add_ignore):
        return lint_source(source, settings, context_dir=ctx_dir).findings, 0
    from layerlint import fix

    if args.add_ignore:
        findings = lint_source(source, settings, context_dir=ctx_dir).findings
        text = fix.add_ignores(source, findings)
        _emit(path, source, text, args)
        return [], 0
    result = fix.fix_source(source, settings, unsafe=args.unsafe_fixes, context_dir=ctx_dir)
    _emit(path, source, result.text, args)
    return result.remaining, len(result.applied)


def _emit(path: str, source: SourceFile, text: str, args: argparse.Namespace) -> None:
    """Show (``--diff``) or write the new text; stdin input is echoed to stdout, never written."""
    from layerlint import fix
    from layerlint.fsutil import write_atomic

    if args.diff:
        if text != source.text:
            sys.stdout.write(fix.unified_diff(source.path, source.text, text))
        return
    if path == "-":
        sys.stdout.write(text)
    elif text != source.text:
        write_atomic(path, text)
