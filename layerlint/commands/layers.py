"""``layerlint layers PATH``: which instructions create layers, per stage and for the image."""

from __future__ import annotations

import argparse
import json
import sys

from layerlint.cli import EXIT_ERROR, EXIT_OK
from layerlint.commands.common import read_input, settings_for, write_output
from layerlint.source import SourceError


def run(args: argparse.Namespace) -> int:
    from layerlint.build import analyze
    from layerlint.layers import view
    from layerlint.parse import parse

    try:
        source = read_input(args.path)
    except SourceError as exc:
        print(f"layerlint: {exc}", file=sys.stderr)
        return EXIT_ERROR
    settings = settings_for(args.path, args)
    dockerfile = parse(source)
    build = analyze(dockerfile, target=settings.target, builder=settings.builder, build_args=settings.build_args)
    doc = view(build, source.path)
    if args.format == "json":
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    else:
        from layerlint.report import use_color
        from layerlint.report.layers_text import render

        text = render(doc, color=not args.no_color and use_color(sys.stdout) and not args.output_file)
    for err in (*dockerfile.errors, *build.errors):
        pos = source.position(err.span.start)
        print(f"{source.path}:{pos.line}:{pos.column}: {err.message}", file=sys.stderr)
    write_output(text, args.output_file)
    return EXIT_OK
