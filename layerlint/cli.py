"""Command line: ``layerlint [check] PATH...``, ``layerlint layers PATH``, ``rules``, ``explain``.

Exit codes (documented in the README):
  0  no finding at or above the failure threshold
  1  findings at or above the threshold
  2  usage or configuration error, or a file that could not be read (other files are still linted)
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
SUBCOMMANDS = ("check", "layers", "rules", "explain", "server", "cache", "migrate")


class UsageError(Exception):
    """A bad option or config value; printed as one line, exit code 2."""


def _formatter() -> type[argparse.HelpFormatter]:
    """argparse's formatter, sized without ``shutil``.

    ``add_argument`` builds a formatter to check each metavar, and the stock one imports
    ``shutil`` (and with it fnmatch, zlib, bz2, lzma) just to read the terminal width.
    """
    import argparse

    class Formatter(argparse.HelpFormatter):
        def __init__(self, prog: str, *args: Any, **kwargs: Any) -> None:
            if not args[2:] and kwargs.get("width") is None:
                kwargs["width"] = _terminal_width() - 2
            super().__init__(prog, *args, **kwargs)

    return Formatter


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
    from layerlint.options import COMMON, declare

    declare(p, COMMON)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; given the subcommand about to run, only that one's options are declared.

    Every subcommand stays listed (for ``--help`` and for error messages), but declaring
    the options of the others (and importing ``migrate`` for its own) is start-up time the
    pre-commit hook would pay on every run for nothing.
    """
    import argparse

    formatter = _formatter()
    parser = argparse.ArgumentParser(
        prog="layerlint",
        description="Lint Dockerfiles for build-cache, layer-size and best-practice problems.",
        formatter_class=formatter,
    )
    parser.add_argument("--version", action="version", version=f"layerlint {_version()}")
    sub = parser.add_subparsers(dest="command")

    def wanted(name: str) -> bool:
        return command is None or command == name

    def add(name: str, help: str) -> argparse.ArgumentParser:  # noqa: A002 - argparse's name
        return sub.add_parser(name, help=help, formatter_class=formatter)

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
    from layerlint.options import CHECK, CHECK_PATHS_HELP, declare

    check.add_argument("paths", nargs="*", default=["."], help=CHECK_PATHS_HELP)
    declare(check, CHECK)
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
    import gc

    # A run is short and allocates its objects once: collecting every 700 allocations spent
    # ~4.5 ms of `layerlint Dockerfile` (26 collections, none finding much). mypy does the same.
    # The language server, which runs for hours, keeps the default.
    gc.set_threshold(200_000, 30, 30)
    args: Any = None
    if argv[0] == "check":
        from layerlint.options import parse_check

        args = parse_check(argv)
    if args is None:
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
            raise UsageError(f"{args.command} is not available")
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
