"""The options of ``layerlint [check]``, declared once, and a fast reader for the common case.

The pre-commit hook runs ``layerlint Dockerfile ...`` on every commit.  argparse, with the
gettext and locale machinery it pulls in, is a fifth of the start-up budget, so plain
command lines (known long options, ``-o``/``-t``/``-j`` with a separate value, paths) are read
here from the same table argparse is built from (``cli.build_parser``).  Anything else --
``--help``, an abbreviation, ``--``, a bad value, paths split by options -- is handed to
argparse, so its messages and exit codes stay the single source of truth for errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace  # the lint path imports types anyway (enum and functools need it)

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

STORE, FLAG, APPEND, INT = "store", "flag", "append", "int"


class Option:
    """One option: its spellings, where it lands, how it reads its value, and its help."""

    __slots__ = ("flags", "dest", "kind", "default", "help", "choices", "metavar")

    def __init__(
        self,
        flags: tuple[str, ...],
        kind: str,
        help: str,  # noqa: A002 - argparse's name
        default: object = None,
        choices: tuple[str, ...] | None = None,
        metavar: str | None = None,
    ) -> None:
        self.flags = flags
        self.dest = flags[0].lstrip("-").replace("-", "_")
        self.kind = kind
        self.default = default
        self.help = help
        self.choices = choices
        self.metavar = metavar


COMMON = (
    Option(("--target",), STORE, "build stage to analyse (default: the last stage)"),
    Option(("--builder",), STORE, "builder semantics (default: buildkit)", choices=("buildkit", "classic")),
    Option(("--build-arg",), APPEND, "build argument, as docker build", default=(), metavar="K=V"),
    Option(("--config",), STORE, "use this config file instead of searching for one"),
    Option(("--isolated",), FLAG, "ignore all config files", default=False),
    Option(("--output-file", "-o"), STORE, "write the report to a file instead of stdout"),
    Option(("--no-color",), FLAG, "never use color (NO_COLOR is honoured too)", default=False),
)

CHECK = (
    Option(("--format",), STORE, "text, full, concise, json, sarif, github, gitlab, checkstyle, junit", default="text"),
    Option(("--stdin-filename",), STORE, "the path to report for '-' (and to find config from)"),
    Option(("--select",), STORE, "comma-separated rule ids, prefixes, names or aliases to enable"),
    Option(("--extend-select",), STORE, "rules to enable in addition to the selected ones"),
    Option(("--ignore",), STORE, "rules to disable"),
    Option(("--failure-threshold", "-t"), STORE, "lowest severity that fails: error, warning, info, style"),
    Option(("--exit-zero",), FLAG, "exit 0 even when there are findings", default=False),
    Option(("--statistics",), FLAG, "count findings per rule", default=False),
    Option(("--jobs", "-j"), INT, "lint files in N processes (default: CPU count)"),
    Option(("--context",), STORE, "build context directory (default: the Dockerfile's folder)"),
    Option(("--fix",), FLAG, "apply safe fixes and write the files", default=False),
    Option(("--unsafe-fixes",), FLAG, "also apply fixes that may change behaviour", default=False),
    Option(("--diff",), FLAG, "print the fixes as a unified diff; write nothing", default=False),
    Option(("--exit-non-zero-on-fix",), FLAG, "exit 1 when a fix was applied", default=False),
    Option(("--add-ignore",), FLAG, "add `# layerlint: ignore=` comments for every finding", default=False),
    Option(("--shellcheck",), FLAG, "run ShellCheck on RUN scripts (LL090; needs layerlint[shellcheck])"),
)
CHECK_PATHS_HELP = "files or directories ('-' reads stdin)"


def declare(parser: argparse.ArgumentParser, options: Sequence[Option]) -> None:
    """Add the options to an argparse parser (help, errors and unusual command lines)."""
    for o in options:
        if o.kind == FLAG:
            parser.add_argument(*o.flags, action="store_true", default=o.default, help=o.help)
        elif o.kind == APPEND:
            parser.add_argument(*o.flags, action="append", default=list(o.default), metavar=o.metavar, help=o.help)  # type: ignore[call-overload]
        else:
            parser.add_argument(
                *o.flags, type=int if o.kind == INT else None, default=o.default, choices=o.choices, metavar=o.metavar, help=o.help
            )


def parse_check(argv: Sequence[str]) -> SimpleNamespace | None:
    """``check``'s options from a plain command line, or None when argparse must read it.

    Returns what argparse would for the same ``argv`` (``argv[0]`` is ``"check"``).
    """
    table = {flag: o for o in (*CHECK, *COMMON) for flag in o.flags}
    values: dict[str, object] = {o.dest: (list(o.default) if o.kind == APPEND else o.default) for o in (*CHECK, *COMMON)}
    paths: list[str] = []
    paths_closed = False  # argparse reads `nargs="*"` paths as one run; a second run is its error to report
    i = 1
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg == "-" or not arg.startswith("-"):
            if paths_closed:
                return None
            paths.append(arg)
            continue
        if paths:
            paths_closed = True
        name, eq, inline = arg.partition("=")
        if not name.startswith("--"):
            name, eq, inline = arg, "", ""
        option = table.get(name)
        if option is None:
            return None
        if option.kind == FLAG:
            if eq:
                return None
            values[option.dest] = True
            continue
        if eq:
            value = inline
        elif i < len(argv) and not argv[i].startswith("-"):
            value = argv[i]
            i += 1
        else:
            return None
        if option.choices is not None and value not in option.choices:
            return None
        if option.kind == INT:
            if not value.isdigit():
                return None
            values[option.dest] = int(value)
        elif option.kind == APPEND:
            values[option.dest].append(value)  # type: ignore[attr-defined]
        else:
            values[option.dest] = value
    return SimpleNamespace(command="check", paths=paths or ["."], **values)
