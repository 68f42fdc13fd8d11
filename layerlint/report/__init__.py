"""Output formats, one module each; ``FORMATS`` maps a ``--format`` name to its module.

A reporter module exposes ``render(findings, sources, options) -> str`` and sees only result
types (``Finding``, ``SourceFile``), never the engine.
"""

from __future__ import annotations

import os
import sys

from layerlint.source import Frozen, _set

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType

FORMATS = {
    "text": "text",
    "full": "text",
    "concise": "concise",
    "json": "json",
    "sarif": "sarif",
    "github": "github",
    "gitlab": "gitlab",
    "checkstyle": "checkstyle",
    "junit": "junit",
}


class ReportOptions(Frozen):
    __slots__ = ("color", "show_source", "statistics", "files_checked", "fixable_hint")
    color: bool
    show_source: bool
    statistics: bool
    files_checked: int
    fixable_hint: bool

    def __init__(
        self,
        color: bool = False,
        show_source: bool = True,
        statistics: bool = False,
        files_checked: int = 0,
        fixable_hint: bool = True,
    ) -> None:
        _set(self, "color", color)
        _set(self, "show_source", show_source)
        _set(self, "statistics", statistics)
        _set(self, "files_checked", files_checked)
        _set(self, "fixable_hint", fixable_hint)


def reporter(name: str) -> ModuleType:
    """The module that renders ``--format name``."""
    module = f"layerlint.report.{FORMATS[name]}"
    __import__(module)  # not importlib: its package imports `warnings`, start-up time for nothing
    return sys.modules[module]


def use_color(stream) -> bool:  # type: ignore[no-untyped-def]
    """Color only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


class Style:
    """Minimal ANSI styling (rich costs ~30 ms of start-up we do not need)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *codes: str) -> str:
        if not self.enabled or not codes:
            return text
        table = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "blue": "34", "magenta": "35", "cyan": "36"}
        return f"\x1b[{';'.join(table[c] for c in codes)}m{text}\x1b[0m"


SEVERITY_COLORS = {"error": ("red", "bold"), "warning": ("yellow",), "info": ("blue",), "style": ("cyan",)}
