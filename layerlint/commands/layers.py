"""``layerlint layers PATH``: which instructions create layers and what each adds, per stage and for the image."""

from __future__ import annotations

import json
import sys

from layerlint.cli import EXIT_ERROR, EXIT_OK
from layerlint.commands.common import context_dir, read_input, settings_for, write_output
from layerlint.source import SourceError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from layerlint.rule import Finding, RuleContext

AMD64 = ("linux/amd64", "amd64", "linux/x86_64")


def run(args: argparse.Namespace) -> int:
    from layerlint.estimate import sizes_for
    from layerlint.layers import view

    try:
        source = read_input(args.path)
    except SourceError as exc:
        print(f"layerlint: {exc}", file=sys.stderr)
        return EXIT_ERROR
    settings = settings_for(args.path, args)
    directory = context_dir(args.path, settings)
    fmt = getattr(args, "format", "text")
    findings: list[Finding] = []
    if fmt == "html":  # the report ranks findings by the bytes they cost
        from layerlint.engine import lint_source

        result = lint_source(source, settings, context_dir=directory)
        ctx: RuleContext = result.context  # type: ignore[assignment]
        findings = result.findings
    else:
        ctx = _context(source, settings, directory)
    platform = getattr(args, "platform", None)
    notes = []
    if platform and platform.lower() not in AMD64:
        notes.append(f"only linux/amd64 data ships: base images for {platform} are unknown and packages are sized"
                     " with amd64 figures")
    estimate = sizes_for(ctx, platform=platform)
    doc = view(ctx.build, source.path, estimate=estimate, notes=notes)
    if fmt == "json":
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    elif fmt == "html":
        from layerlint.report.layers_html import render as render_html

        text = render_html(doc, findings, estimate, ctx.build)
    else:
        from layerlint.report import use_color
        from layerlint.report.layers_text import render

        text = render(doc, color=not args.no_color and use_color(sys.stdout) and not args.output_file)
    for err in (*ctx.dockerfile.errors, *ctx.build.errors):
        pos = source.position(err.span.start)
        print(f"{source.path}:{pos.line}:{pos.column}: {err.message}", file=sys.stderr)
    write_output(text, args.output_file)
    return EXIT_OK


def _context(source, settings, directory: str | None) -> RuleContext:  # type: ignore[no-untyped-def]
    """A rule context without running rules: the estimator shares its ledger and shell parses."""
    from layerlint.build import analyze
    from layerlint.parse import parse
    from layerlint.rule import RuleContext

    dockerfile = parse(source)
    build = analyze(dockerfile, target=settings.target, builder=settings.builder, build_args=settings.build_args)
    return RuleContext(dockerfile, build, directory)
