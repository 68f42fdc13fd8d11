"""Command line: ``layerlint [check] PATH...``, ``layerlint layers PATH``, ``rules``, ``explain``.

Exit codes (documented in the README):
  0  no finding at or above the failure threshold
  1  findings at or above the threshold
  2  usage or configuration error, or a file that could not be read (other files are still linted)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
SUBCOMMANDS = ("check", "layers", "rules", "explain", "server", "cache", "migrate")


class UsageError(Exception):
    """A bad option or config value; printed as one line, exit code 2."""


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, sized without ``shutil``.

    ``add_argument`` builds a formatter to check each metavar, and the stock one imports
    ``shutil`` (and with it fnmatch, zlib, bz2, lzma) just to read the terminal width.
    """

    def __init__(self, prog: str, *args: Any, **kwargs: Any) -> None:
        if not args[2:] and kwargs.get("width") is None:
            kwargs["width"] = _terminal_width() - 2
        super().__init__(prog, *args, **kwargs)


def _terminal_width() -> int:
    """``shutil.get_terminal_size().columns``: $COLUMNS, else the terminal, else 80."""
    import os

    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--target", help="build stage to analyse (default: the last stage)")
    p.add_argument("--builder", choices=("buildkit", "classic"), default=None, help="builder semantics (default: buildkit)")
    p.add_argument("--build-arg", action="append", default=[], metavar="K=V", help="build argument, as docker build")
    p.add_argument("--config", help="use this config file instead of searching for one")
    p.add_argument("--isolated", action="store_true", help="ignore all config files")
    p.add_argument("--output-file", "-o", help="write the report to a file instead of stdout")
    p.add_argument("--no-color", action="store_true", help="never use color (NO_COLOR is honoured too)")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; given the subcommand about to run, only that one's options are declared.

    Every subcommand stays listed (for ``--help`` and for error messages), but declaring
    the options of the others (and importing ``migrate`` for its own) is start-up time the
    pre-commit hook would pay on every run for nothing.
    """
    parser = argparse.ArgumentParser(
        prog="layerlint",
        description="Lint Dockerfiles for build-cache, layer-size and best-practice problems.",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"layerlint {_version()}")
    sub = parser.add_subparsers(dest="command")

    def wanted(name: str) -> bool:
        return command is None or command == name

    def add(name: str, help: str) -> argparse.ArgumentParser:  # noqa: A002 - argparse's name
        return sub.add_parser(name, help=help, formatter_class=_Formatter)

    check = add("check", "lint Dockerfiles (the default command)")
    if wanted("check"):
        _check_arguments(check)

    layers = add("layers", "show the layers each instruction creates")
    if wanted("layers"):
        layers.add_argument("path", help="the Dockerfile ('-' reads stdin)")
        layers.add_argument("--format", default="text", choices=("text", "json", "html"), help="text, json or html")
        layers.add_argument("--context", help="build context directory (default: the Dockerfile's folder)")
        layers.add_argument("--platform", help="target platform, e.g. linux/amd64")
        _common(layers)

    rules = add("rules", "list the rules")
    if wanted("rules"):
        rules.add_argument("--format", default="text", choices=("text", "json"))
        rules.add_argument("--all", action="store_true", help="include opt-in rules")

    explain = add("explain", "show a rule's page")
    if wanted("explain"):
        explain.add_argument("rule", help="rule id, name or alias (e.g. LL301, DL3009)")

    migrate_parser = add("migrate", "write a layerlint config equivalent to a .hadolint.yaml")
    if wanted("migrate"):
        from layerlint.commands import migrate

        migrate.add_arguments(migrate_parser)

    cache_parser = add("cache", "which layers a change rebuilds, and what it costs")
    if wanted("cache"):
        from layerlint.commands import cache

        cache.add_arguments(cache_parser)

    add("server", "run the language server (needs the lsp extra)")
    return parser


def _check_arguments(check: argparse.ArgumentParser) -> None:
    check.add_argument("paths", nargs="*", default=["."], help="files or directories ('-' reads stdin)")
    check.add_argument(
        "--format", default="text", help="text, full, concise, json, sarif, github, gitlab, checkstyle, junit"
    )
    check.add_argument("--stdin-filename", help="the path to report for '-' (and to find config from)")
    check.add_argument("--select", help="comma-separated rule ids, prefixes, names or aliases to enable")
    check.add_argument("--extend-select", help="rules to enable in addition to the selected ones")
    check.add_argument("--ignore", help="rules to disable")
    check.add_argument("--failure-threshold", "-t", help="lowest severity that fails: error, warning, info, style")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("--statistics", action="store_true", help="count findings per rule")
    check.add_argument("--jobs", "-j", type=int, default=None, help="lint files in N processes (default: CPU count)")
    check.add_argument("--context", help="build context directory (default: the Dockerfile's folder)")
    check.add_argument("--fix", action="store_true", help="apply safe fixes and write the files")
    check.add_argument("--unsafe-fixes", action="store_true", help="also apply fixes that may change behaviour")
    check.add_argument("--diff", action="store_true", help="print the fixes as a unified diff; write nothing")
    check.add_argument("--exit-non-zero-on-fix", action="store_true", help="exit 1 when a fix was applied")
    check.add_argument("--add-ignore", action="store_true", help="add `# layerlint: ignore=` comments for every finding")
    check.add_argument(
        "--shellcheck", action="store_true", default=None, help="run ShellCheck on RUN scripts (LL090; needs layerlint[shellcheck])"
    )
    _common(check)


def _version() -> str:
    from layerlint import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv = ["check", *argv]
    if argv[0] == "server":  # its own parser, and pygls only when asked for
        from layerlint.server import main as serve

        return serve(argv[1:])
    parser = build_parser(argv[0] if argv[0] in SUBCOMMANDS else None)
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            from layerlint.commands.check import run
        elif args.command == "layers":
            from layerlint.commands.layers import run
        elif args.command in ("rules", "explain"):
            from layerlint.commands.rules import run
        elif args.command == "migrate":
            from layerlint.commands.migrate import run
        elif args.command == "cache":
            from layerlint.commands.cache import run
        else:
            parser.error(f"{args.command} is not available")
        return run(args)
    except UsageError as exc:
        print(f"layerlint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
