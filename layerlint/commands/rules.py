"""``layerlint rules`` (the list) and ``layerlint explain RULE`` (one rule's page)."""

from __future__ import annotations

import json
import sys

from layerlint.cli import EXIT_OK, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def run(args: argparse.Namespace) -> int:
    from layerlint import catalog

    metas = catalog.load()
    if args.command == "explain":
        rid = catalog.resolve(args.rule)
        if rid is None:
            raise UsageError(f"no rule named {args.rule!r} (try `layerlint rules`)")
        sys.stdout.write(catalog.text_page(metas[rid]))
        return EXIT_OK
    rows = [m for m in metas.values() if m.enabled or args.all]
    if args.format == "json":
        data = [
            {"id": m.id, "name": m.name, "aliases": list(m.aliases), "category": m.category, "severity": m.severity,
             "fix": m.fix, "enabled": m.enabled, "summary": m.summary}
            for m in rows
        ]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return EXIT_OK
    for m in rows:
        aliases = f" ({', '.join(m.aliases)})" if m.aliases else ""
        fix = " [fix]" if m.fix != "none" else ""
        sys.stdout.write(f"{m.id}  {m.name:<36} {m.severity:<8}{fix}  {m.summary}{aliases}\n")
    return EXIT_OK
