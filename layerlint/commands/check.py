"""``layerlint [check] PATH...``: lint files, optionally fix them, and report findings."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

from layerlint.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, UsageError
from layerlint.commands.common import context_dir, read_input, settings_for, write_output
from layerlint.discover import discover
from layerlint.rule import Finding
from layerlint.settings import Settings
from layerlint.source import SourceError, SourceFile, Value

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def run(args: argparse.Namespace) -> int:
    from layerlint import report

    if args.format not in report.FORMATS:
        raise UsageError(f"unknown format {args.format!r} (choose from {', '.join(sorted(report.FORMATS))})")
    findings: list[Finding] = []
    sources: dict[str, SourceFile] = {}
    failed_reads = 0
    failing = False
    fixed_total = 0
    for outcome in _outcomes(list(discover(args.paths)), args):
        if outcome.error is not None:
            print(f"layerlint: {outcome.error}", file=sys.stderr)
            failed_reads += 1
            continue
        assert outcome.source is not None
        fixed_total += outcome.fixed
        if outcome.output:
            sys.stdout.write(outcome.output)
        sources[outcome.source.path] = outcome.source
        findings.extend(outcome.findings)
        failing = failing or outcome.failing
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


class Outcome(Value):
    """What linting one path produced (picklable, so worker processes can return it)."""

    __slots__ = ("source", "findings", "fixed", "failing", "error", "output")

    def __init__(
        self,
        source: SourceFile | None = None,
        findings: list[Finding] | None = None,
        fixed: int = 0,
        failing: bool = False,
        error: str | None = None,
        output: str = "",  # a diff, or the fixed text of stdin, printed by the main process in order
    ) -> None:
        self.source = source
        self.findings: list[Finding] = [] if findings is None else findings
        self.fixed = fixed
        self.failing = failing
        self.error = error
        self.output = output


def _one(path: str, args: argparse.Namespace) -> Outcome:
    try:
        source = read_input(path, args.stdin_filename)
    except SourceError as exc:
        return Outcome(error=str(exc))
    settings = settings_for(source.path if path == "-" else path, args)
    findings, fixed, output = _process(path, source, settings, args)
    failing = not settings.no_fail and any(f.severity >= settings.failure_threshold for f in findings)
    return Outcome(source, findings, fixed, failing, output=output)


def _outcomes(paths: list[str], args: argparse.Namespace) -> Iterator[Outcome]:
    """Lint paths in order; with several files and ``--jobs`` > 1, in worker processes.

    Work is spread in chunks so a thousand small files cost a hundred round trips, small
    enough that one chunk of very large files does not leave the other workers idle at the
    end; results come back in input order so output is deterministic.  The lint path is
    imported once before the workers fork, so they share it instead of importing it each.
    """
    jobs = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
    if jobs <= 1 or len(paths) < 8 or "-" in paths:
        for path in paths:
            yield _one(path, args)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial

    chunk = max(1, min(16, len(paths) // (jobs * 8)))
    context = multiprocessing.get_context("fork") if hasattr(os, "fork") else None
    if context is not None:
        _warm_up()
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        yield from pool.map(partial(_one, args=args), paths, chunksize=chunk)


def _warm_up() -> None:
    """Lint a two-line file in memory: imports every check module, the shell parser and the catalog."""
    from layerlint.engine import lint_source

    lint_source(SourceFile("Dockerfile", "FROM scratch\nRUN true\n"), Settings())


def _process(
    path: str, source: SourceFile, settings: Settings, args: argparse.Namespace
) -> tuple[list[Finding], int, str]:
    """Lint one file, applying fixes or ignore comments when asked.

    Returns the findings left, the number of fixes applied, and text for stdout (a diff, or
    the fixed text when the input was stdin).  Files are written here, atomically.
    """
    from layerlint.engine import lint_source

    ctx_dir = context_dir(path, settings)
    if not (args.fix or args.diff or args.add_ignore):
        return lint_source(source, settings, context_dir=ctx_dir, context_explicit=bool(settings.context)).findings, 0, ""
    from layerlint import fix

    if args.add_ignore:
        findings = lint_source(source, settings, context_dir=ctx_dir).findings
        return [], 0, _emit(path, source, fix.add_ignores(source, findings), args)
    result = fix.fix_source(source, settings, unsafe=args.unsafe_fixes, context_dir=ctx_dir)
    return result.remaining, len(result.applied), _emit(path, source, result.text, args)


def _emit(path: str, source: SourceFile, text: str, args: argparse.Namespace) -> str:
    """Write the new text, or return it for stdout (``--diff``, or stdin input, never written)."""
    from layerlint import fix
    from layerlint.fsutil import write_atomic

    if args.diff:
        return fix.unified_diff(source.path, source.text, text) if text != source.text else ""
    if path == "-":
        return text
    if text != source.text:
        write_atomic(path, text)
    return ""
