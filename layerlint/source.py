"""Source text and spans.

Spans are character offsets into the decoded text (like ruff's ``TextRange``); lines and
columns are computed only when a finding is rendered, so every stage of the pipeline can
pass spans around without caring how the file was split into lines.
"""

from __future__ import annotations

from bisect import bisect_right
from functools import cached_property
from operator import attrgetter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_set = object.__setattr__


def _frozen_error(name: str) -> AttributeError:
    from dataclasses import FrozenInstanceError  # only on the error path: dataclasses costs ~8 ms to import

    return FrozenInstanceError(f"cannot assign to field {name!r}")


class _LazyFields:
    """``__dataclass_fields__`` made on first use, so ``dataclasses.replace``, ``fields`` and
    ``asdict`` keep working on ``Value`` types without importing dataclasses at start-up."""

    def __get__(self, obj: object, owner: type[Value]) -> dict[str, Any]:
        import dataclasses

        fields = {}
        for name in owner._fields:
            f = dataclasses.field()
            f.name = name
            f._field_type = dataclasses._FIELD  # type: ignore[attr-defined]
            fields[name] = f
        return fields


class Value:
    """Base of the slotted value types: ``==``, ``hash``, ``repr``, pickling like a dataclass.

    ``@dataclass`` compiles each generated method with ``exec`` when the module is imported
    (~0.3-1 ms a class); the ~30 types every lint needs cost more than the whole start-up
    budget of a pre-commit hook.  A subclass names its fields in ``__slots__`` (constructor
    order; names starting with ``_`` are private caches, not fields) and writes ``__init__``
    by hand, which lands in the ``.pyc`` like any other code.  ``Frozen`` subclasses refuse
    assignment with ``dataclasses.FrozenInstanceError``, as ``frozen=True`` does.  A class
    whose equality and hash must leave some fields out (``compare=False`` of a dataclass
    field) sets ``_compared`` to an ``attrgetter`` of the fields that count.
    """

    __slots__ = ()
    _fields: tuple[str, ...] = ()
    __dataclass_fields__ = _LazyFields()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        slots = cls.__dict__.get("__slots__", ())
        fields = tuple(name for name in ((slots,) if isinstance(slots, str) else slots) if not name.startswith("_"))
        if fields:
            cls._fields = cls.__match_args__ = fields
            get = attrgetter(*fields)
            cls._values = get if len(fields) > 1 else (lambda self, get=get: (get(self),))  # type: ignore[assignment]
        if "_compared" not in cls.__dict__:
            cls._compared = cls._values  # type: ignore[assignment]

    def _values(self) -> tuple[Any, ...]:  # replaced per class by an attrgetter
        return ()

    _compared = _values  # the fields equality and hashing look at (all, unless a class says otherwise)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._compared(self) == other._compared(other)  # type: ignore[attr-defined, call-arg]

    __hash__ = None  # type: ignore[assignment]  # mutable values are unhashable, as with @dataclass(eq=True)

    def __repr__(self) -> str:
        values = self._values(self)  # type: ignore[call-arg]
        inner = ", ".join(f"{name}={value!r}" for name, value in zip(self._fields, values))
        return f"{self.__class__.__qualname__}({inner})"

    def __reduce__(self) -> tuple[Any, ...]:
        return self.__class__, self._values(self)  # type: ignore[call-arg]

    def _replace(self, **changes: Any) -> Any:
        """A copy with some fields changed (``dataclasses.replace`` without the import)."""
        values = dict(zip(self._fields, self._values(self)))  # type: ignore[call-arg]
        values.update(changes)
        return self.__class__(**values)


class Frozen(Value):
    """A ``Value`` that cannot be changed after ``__init__`` (which assigns with ``_set``)."""

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise _frozen_error(name)

    def __delattr__(self, name: str) -> None:
        raise _frozen_error(name)

    def __hash__(self) -> int:
        return hash(self._compared(self))  # type: ignore[call-arg]


class Span(Frozen):
    """A half-open range ``[start, end)`` of character offsets."""

    __slots__ = ("start", "end")
    start: int
    end: int

    def __init__(self, start: int, end: int) -> None:
        if start < 0 or end < start:
            raise ValueError(f"invalid span {start}..{end}")
        _set(self, "start", start)
        _set(self, "end", end)

    # Spans are dictionary keys and sort keys everywhere: specialised, not generic, methods.
    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return self.start == other.start and self.end == other.end  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.start, self.end))

    def __lt__(self, other: Span) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return (self.start, self.end) < (other.start, other.end)

    def __le__(self, other: Span) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return (self.start, self.end) <= (other.start, other.end)

    def __gt__(self, other: Span) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return (self.start, self.end) > (other.start, other.end)

    def __ge__(self, other: Span) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return (self.start, self.end) >= (other.start, other.end)

    def __repr__(self) -> str:
        return f"Span(start={self.start!r}, end={self.end!r})"

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


class Position(Frozen):
    """A 1-based line and column (columns count characters)."""

    __slots__ = ("line", "column")
    line: int
    column: int

    def __init__(self, line: int, column: int) -> None:
        _set(self, "line", line)
        _set(self, "column", column)


class SourceFile:
    """A decoded file with a lazily built line index.

    ``text`` keeps the original line endings and any BOM has already been removed by the
    reader; offsets in every span refer to this string.  Compared by identity.
    """

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text

    def __repr__(self) -> str:
        return f"SourceFile(path={self.path!r}, text={self.text!r})"

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


MAX_BYTES = 64 * 1024 * 1024  # far beyond any real Dockerfile; keeps `layerlint /dev/zero`-like input bounded


def read_source(path: str) -> SourceFile:
    """Read and decode a Dockerfile from disk, raising ``SourceError`` with one clear line.

    Regular files and pipes are read (``layerlint <(generate)`` works); a FIFO nobody writes
    to reads as empty instead of blocking forever, and devices, directories and files
    beyond ``MAX_BYTES`` are refused.
    """
    import os
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SourceError(f"{path}: is a directory, not a Dockerfile") from None
    except PermissionError:
        raise SourceError(f"{path}: permission denied") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise SourceError(f"{path}: is a directory, not a Dockerfile")
        if not stat.S_ISREG(mode) and not stat.S_ISFIFO(mode):
            raise SourceError(f"{path}: not a regular file")
        if stat.S_ISFIFO(mode) and hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        with os.fdopen(fd, "rb") as fh:
            fd = -1  # the file object closes it now
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from None
    finally:
        if fd != -1:
            os.close(fd)
    if len(data) > MAX_BYTES:
        raise SourceError(f"{path}: larger than {MAX_BYTES // (1024 * 1024)} MiB, not a Dockerfile")
    return SourceFile(path, decode(data, path))
