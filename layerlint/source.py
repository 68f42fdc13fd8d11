"""Source text and spans.

Spans are character offsets into the decoded text (like ruff's ``TextRange``); lines and
columns are computed only when a finding is rendered, so every stage of the pipeline can
pass spans around without caring how the file was split into lines.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A half-open range ``[start, end)`` of character offsets."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"invalid span {self.start}..{self.end}")

    def __len__(self) -> int:
        return self.end - self.start

    def contains(self, offset: int) -> bool:
        return self.start <= offset < self.end

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def cover(self, other: Span) -> Span:
        """The smallest span holding both."""
        return Span(min(self.start, other.start), max(self.end, other.end))

    def shift(self, delta: int) -> Span:
        return Span(self.start + delta, self.end + delta)


@dataclass(frozen=True, slots=True)
class Position:
    """A 1-based line and column (columns count characters)."""

    line: int
    column: int


@dataclass(eq=False)
class SourceFile:
    """A decoded file with a lazily built line index.

    ``text`` keeps the original line endings and any BOM has already been removed by the
    reader; offsets in every span refer to this string.
    """

    path: str
    text: str

    @cached_property
    def line_starts(self) -> list[int]:
        """Offsets where lines start; only ``\\n`` ends a line, as in BuildKit's scanner."""
        starts = [0]
        find = self.text.find
        i = find("\n")
        while i != -1:
            starts.append(i + 1)
            i = find("\n", i + 1)
        return starts

    def position(self, offset: int) -> Position:
        """1-based line and column of a character offset."""
        starts = self.line_starts
        index = bisect_right(starts, offset) - 1
        return Position(index + 1, offset - starts[index] + 1)

    def offset(self, line: int, column: int) -> int:
        """Character offset of a 1-based line and column (clamped to the text)."""
        starts = self.line_starts
        line = max(1, min(line, len(starts)))
        return min(starts[line - 1] + column - 1, len(self.text))

    def line_text(self, line: int) -> str:
        """The text of a 1-based line without its line terminator."""
        starts = self.line_starts
        start = starts[line - 1]
        end = starts[line] if line < len(starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    def slice(self, span: Span) -> str:
        return self.text[span.start : span.end]


class SourceError(Exception):
    """A file that cannot be read as a Dockerfile; the message names the problem."""


def decode(data: bytes, path: str) -> str:
    """Decode file bytes as BuildKit does: UTF-8, optional BOM removed.

    Binary input (a NUL byte) and invalid UTF-8 are refused with a message naming the line
    and column, so the CLI can print one line and move on to the next file.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nul = data.find(b"\x00")
    if nul != -1:
        line = data.count(b"\n", 0, nul) + 1
        raise SourceError(f"{path}:{line}: binary file (NUL byte), not a Dockerfile")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SourceError(f"{path}:{line}:{col}: invalid UTF-8 (byte 0x{data[exc.start]:02x})") from None


def read_source(path: str) -> SourceFile:
    """Read and decode a Dockerfile from disk, raising ``SourceError`` with one clear line."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SourceError(f"{path}: is a directory, not a Dockerfile") from None
    except PermissionError:
        raise SourceError(f"{path}: permission denied") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return SourceFile(path, decode(data, path))
