"""``layerlint migrate [HADOLINT_CONFIG]``: write the layerlint config equivalent to a hadolint one.

The mapping is ``layerlint.hadolint_config.convert`` (the same one used when a hadolint config
is read at run time).  An existing target keeps its comments and layout: YAML goes through
ruamel's round-trip mode, ``pyproject.toml`` through tomlkit.  Each rule id written carries the
hadolint code it came from as an end-of-line comment, and the command prints what it mapped and
what it could not.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from typing import Any

from layerlint.cli import EXIT_OK, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``migrate`` subcommand's arguments (called by ``layerlint.cli``)."""
    parser.add_argument("source", nargs="?", help="the hadolint config (default: the one hadolint would read from here)")
    parser.add_argument(
        "--pyproject", action="store_true", help="write [tool.layerlint] into pyproject.toml instead of .layerlint.yaml"
    )
    parser.add_argument("--output", "-o", help="file to write (default: .layerlint.yaml, or pyproject.toml with --pyproject)")
    parser.add_argument("--dry-run", action="store_true", help="print the resulting file instead of writing it")


def run(args: argparse.Namespace) -> int:
    from layerlint import config, hadolint_config

    source = args.source or config.find_hadolint(os.getcwd())
    if not source:
        raise UsageError("no hadolint config found (.hadolint.yaml here or above, or hadolint's user config): name one")
    if not os.path.isfile(source):
        raise UsageError(f"{source}: no such file")
    try:
        raw, where = config.read_yaml(source)
        migration = hadolint_config.convert(raw, where)
    except config.ConfigError as exc:
        raise UsageError(str(exc)) from None
    target = args.output or ("pyproject.toml" if args.pyproject else ".layerlint.yaml")
    existing = _read(target)
    header = f"layerlint configuration migrated from {os.path.basename(source)} by `layerlint migrate`"
    if args.pyproject or target.endswith(".toml"):
        text = update_toml(existing, migration.config, migration.origins)
    else:
        text = update_yaml(existing, migration.config, migration.origins, header)
    report = sys.stderr if args.dry_run else sys.stdout
    if args.dry_run:
        sys.stdout.write(text)
    else:
        from layerlint.fsutil import write_atomic

        write_atomic(target, text)
    print(f"Mapped from {config.display(os.path.abspath(source))}:", file=report)
    for line in migration.mapped or ["(nothing)"]:
        print(f"  {line}", file=report)
    if migration.unmapped:
        print("Not mapped:", file=report)
        for line in migration.unmapped:
            print(f"  {line}", file=report)
    if not args.dry_run:
        print(f"Wrote {target}", file=report)
    return EXIT_OK


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from None


def _note(origins: dict[tuple[str, str], str], key: str, item: Any) -> str | None:
    code = origins.get((key, str(item)))
    return f"hadolint {code}" if code else None


def update_yaml(existing: str, values: dict[str, Any], origins: dict[tuple[str, str], str], header: str) -> str:
    """Merge ``values`` into a YAML config text, keeping its comments (ruamel round-trip)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.preserve_quotes = True
    doc = yaml.load(existing) if existing.strip() else None
    if doc is None:
        doc = CommentedMap()
        doc.yaml_set_start_comment(header)
    if not isinstance(doc, CommentedMap):
        raise UsageError("the existing config is not a mapping; fix or remove it first")

    def merge(node: CommentedMap, key: str, value: Any, path: str) -> None:
        if isinstance(value, list):
            seq = node.get(key)
            if not isinstance(seq, list):
                seq = node[key] = CommentedSeq()
            for item in value:
                if item not in seq:
                    seq.append(item)
                    note = _note(origins, path, item)
                    if note:
                        seq.yaml_add_eol_comment(note, len(seq) - 1)
        elif isinstance(value, dict):
            sub = node.get(key)
            if not isinstance(sub, dict):
                sub = node[key] = CommentedMap()
            for k, v in value.items():
                merge(sub, k, v, path)
                note = _note(origins, path, k) if not isinstance(v, (list, dict)) else None
                if note:
                    sub.yaml_add_eol_comment(note, k)
        else:
            node[key] = value

    for key, value in values.items():
        merge(doc, key, value, key)
    buf = io.StringIO()
    yaml.dump(doc, buf)
    return buf.getvalue()


def update_toml(existing: str, values: dict[str, Any], origins: dict[tuple[str, str], str]) -> str:
    """Merge ``values`` into ``[tool.layerlint]`` of a pyproject text, keeping its comments (tomlkit)."""
    try:
        import tomlkit
    except ModuleNotFoundError:
        raise UsageError("writing pyproject.toml needs tomlkit (pip install tomlkit)") from None

    doc = tomlkit.parse(existing) if existing.strip() else tomlkit.document()
    tool = doc.get("tool")
    if tool is None:
        tool = tomlkit.table(is_super_table=True)
        doc["tool"] = tool
    section = tool.get("layerlint")
    if section is None:
        section = tomlkit.table()
        tool["layerlint"] = section

    def merge(node: Any, key: str, value: Any, path: str) -> None:
        if isinstance(value, list):
            arr = node.get(key)
            created = arr is None
            if created:
                arr = tomlkit.array()
                node[key] = arr
            for item in value:
                if item not in arr:
                    arr.add_line(item, comment=_note(origins, path, item))
            if created:
                arr.add_line(indent="")  # closing bracket on its own line
        elif isinstance(value, dict):
            sub = node.get(key)
            if sub is None:
                sub = tomlkit.table()
                node[key] = sub
            for k, v in value.items():
                merge(sub, k, v, path)
                note = _note(origins, path, k) if not isinstance(v, (list, dict)) else None
                if note:
                    sub[k].comment(note)
        else:
            node[key] = value

    for key, value in values.items():
        merge(section, key, value, key)
    return tomlkit.dumps(doc)
