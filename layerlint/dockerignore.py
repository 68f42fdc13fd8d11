"""``.dockerignore`` with the exact semantics of Docker and BuildKit.

A lint that says "this COPY picks up 300 MB" or "this file is excluded" is only worth
anything if it agrees with the real build, so this module follows the Go code path by path
rather than approximating it with ``fnmatch`` or gitignore rules:

- reading: ``moby/patternmatcher/ignorefile.ReadAll`` (``#`` comments only in column 1,
  whitespace trimmed, ``filepath.Clean``, leading ``/`` dropped, ``!`` exceptions);
- compiling: ``patternmatcher.Pattern.compile``, including its fast paths (exact, prefix,
  suffix) whose results differ from the regexp in corner cases (``**foo`` matches
  ``barfoo``), the Go regexp it builds (classes, escapes, ``\\Q...\\E``) and its errors;
- matching: ``MatchesUsingParentResults`` as fsutil's walker uses it when the context is
  sent (what actually ends up in the build), and ``MatchesOrParentMatches`` as BuildKit's
  ``CopyIgnoredFile`` check uses it (the two disagree on some orderings of exceptions);
- locating: BuildKit reads ``<Dockerfile>.dockerignore`` before ``<context>/.dockerignore``.

Go's ``filepath.Match`` is ported too (:func:`glob_match`): the ignore reader uses it to
validate patterns and ``COPY`` uses it to expand wildcard sources.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from functools import lru_cache

from layerlint.source import Frozen, _set

# Characters Go's strings.TrimSpace removes (unicode.IsSpace); Python's str.strip also
# strips \x1c-\x1f, which Go keeps.
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"

EXACT = "exact"
PREFIX = "prefix"
SUFFIX = "suffix"
REGEXP = "regexp"
INVALID = "invalid"
UNSUPPORTED = "unsupported"

DOCKERIGNORE = ".dockerignore"


class BadPattern(ValueError):
    """A malformed pattern: Docker refuses the whole .dockerignore ("syntax error in pattern")."""


class UnsupportedPattern(ValueError):
    """Valid for Docker but beyond this port (Go's ``\\p{...}`` Unicode classes)."""


def go_clean(path: str) -> str:
    """Go's ``path.Clean``: collapse slashes, drop ``.``, resolve ``..`` lexically."""
    if not path:
        return "."
    rooted = path.startswith("/")
    parts: list[str] = []
    for seg in path.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(seg)
    out = "/".join(parts)
    if rooted:
        return "/" + out
    return out or "."


def context_path(path: str) -> str:
    """A path as the build context sees it: cleaned, rooted at the context, ``""`` for the root.

    BuildKit joins sources onto ``/`` before resolving them, so ``../x`` and ``/x`` both
    name ``x`` in the context.
    """
    return go_clean("/" + path)[1:]


# --------------------------------------------------------------------------- filepath.Match


def _bad() -> BadPattern:
    return BadPattern("syntax error in pattern")


def _class_endpoint(pattern: str, i: int) -> tuple[int, int]:
    """One possibly escaped character of a ``[...]`` range (Go's ``getEsc``) and the next index."""
    n = len(pattern)
    if i >= n or pattern[i] in "-]":
        raise _bad()
    if pattern[i] == "\\":
        i += 1
        if i >= n:
            raise _bad()
    char = pattern[i]
    if i + 1 >= n:  # the class is never closed
        raise _bad()
    return ord(char), i + 1


@lru_cache(maxsize=512)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Compile a ``filepath.Match`` pattern, refusing exactly what Go refuses.

    Go matches chunk by chunk, each star taking the shortest span after which the next
    chunk matches; every chunk is fixed-width (literals, ``?``, classes: one character
    each), so that equals a backtracking regexp.  ``*`` and ``?`` never match ``/``; a
    class can, and a range whose ends are reversed matches nothing, as in Go.
    """
    out: list[str] = []
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        i += 1
        if c == "*":
            if not out or out[-1] != "[^/]*":
                out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "\\":
            if i >= n:
                raise _bad()
            out.append(re.escape(pattern[i]))
            i += 1
        elif c == "[":
            negated = i < n and pattern[i] == "^"
            if negated:
                i += 1
            ranges: list[tuple[int, int]] = []
            count = 0
            while not (i < n and pattern[i] == "]" and count):
                lo, i = _class_endpoint(pattern, i)
                hi = lo
                if pattern[i] == "-":
                    hi, i = _class_endpoint(pattern, i + 1)
                if lo <= hi:
                    ranges.append((lo, hi))
                count += 1
            i += 1
            out.append(_emit_class(_complement(tuple(ranges)) if negated else tuple(ranges)))
        else:
            out.append(re.escape(c))
    return re.compile("".join(out))


def glob_match(pattern: str, name: str) -> bool:
    """Go's ``filepath.Match`` on ``/``-separated names; raises :class:`BadPattern`."""
    return _glob_regex(pattern).fullmatch(name) is not None


def has_wildcards(component: str) -> bool:
    """Whether a COPY source component is a wildcard (fsutil's ``containsWildcards``)."""
    i = 0
    while i < len(component):
        c = component[i]
        if c == "\\":
            i += 1
        elif c in "*?[":
            return True
        i += 1
    return False


# ------------------------------------------------------------ Go regexp -> Python regexp

_MAX_RUNE = 0x10FFFF
_Ranges = tuple[tuple[int, int], ...]
_DIGIT: _Ranges = ((0x30, 0x39),)
_WORD: _Ranges = ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A))
_PERL: dict[str, _Ranges] = {"d": _DIGIT, "s": ((9, 10), (12, 13), (32, 32)), "w": _WORD}
_POSIX: dict[str, _Ranges] = {
    "alnum": ((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)),
    "alpha": ((0x41, 0x5A), (0x61, 0x7A)),
    "ascii": ((0, 0x7F),),
    "blank": ((9, 9), (32, 32)),
    "cntrl": ((0, 0x1F), (0x7F, 0x7F)),
    "digit": _DIGIT,
    "graph": ((0x21, 0x7E),),
    "lower": ((0x61, 0x7A),),
    "print": ((0x20, 0x7E),),
    "punct": ((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)),
    "space": ((9, 13), (32, 32)),
    "upper": ((0x41, 0x5A),),
    "word": _WORD,
    "xdigit": ((0x30, 0x39), (0x41, 0x46), (0x61, 0x66)),
}
_C_ESCAPES = {"a": "\a", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _complement(ranges: _Ranges) -> _Ranges:
    out = []
    nxt = 0
    for lo, hi in sorted(ranges):
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = max(nxt, hi + 1)
    if nxt <= _MAX_RUNE:
        out.append((nxt, _MAX_RUNE))
    return tuple(out)


def _perl_class(letter: str) -> _Ranges:
    ranges = _PERL[letter.lower()]
    return _complement(ranges) if letter.isupper() else ranges


def _emit_class(ranges: _Ranges) -> str:
    if not ranges:
        return "(?!)"
    return "[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges) + "]"


def _hex(c: str) -> int:
    return int(c, 16) if c in _HEX_DIGITS else -1


def _go_escape(s: str, i: int) -> tuple[str, int]:
    """One escaped character at ``s[i] == '\\\\'`` (Go regexp's ``parseEscape``)."""
    n = len(s)
    t = i + 1
    if t >= n:
        raise BadPattern("trailing backslash at end of expression")
    c = s[t]
    t += 1
    if ord(c) < 0x80 and c not in _ALNUM:
        return c, t
    if c in "01234567":
        if c != "0" and (t >= n or not "0" <= s[t] <= "7"):
            raise BadPattern(f"invalid escape sequence: \\{c}")  # a backreference
        value = int(c)
        for _ in range(2):
            if t >= n or not "0" <= s[t] <= "7":
                break
            value = value * 8 + int(s[t])
            t += 1
        return chr(value), t
    if c == "x" and t < n:
        c2 = s[t]
        t += 1
        if c2 == "{":
            value = digits = 0
            while True:
                if t >= n:
                    raise BadPattern("invalid escape sequence: \\x{")
                d = s[t]
                t += 1
                if d == "}":
                    break
                v = _hex(d)
                value = value * 16 + v
                if v < 0 or value > _MAX_RUNE:
                    raise BadPattern("invalid escape sequence: \\x{")
                digits += 1
            if digits == 0:
                raise BadPattern("invalid escape sequence: \\x{}")
            return chr(value), t
        if t < n and _hex(c2) >= 0 and _hex(s[t]) >= 0:
            return chr(_hex(c2) * 16 + _hex(s[t])), t + 1
        raise BadPattern("invalid escape sequence: \\x")
    if c in _C_ESCAPES:
        return _C_ESCAPES[c], t
    raise BadPattern(f"invalid escape sequence: \\{c}")


def _class_char(s: str, t: int) -> tuple[str, int]:
    if t >= len(s):
        raise BadPattern("missing closing ]")
    if s[t] == "\\":
        return _go_escape(s, t)
    return s[t], t + 1


def _go_class(s: str, i: int) -> tuple[str, int]:
    """A ``[...]`` class starting at ``s[i]`` (Go regexp's ``parseClass`` with Perl flags)."""
    n = len(s)
    t = i + 1
    negated = t < n and s[t] == "^"
    if negated:
        t += 1
    ranges: list[tuple[int, int]] = []
    first = True
    while t >= n or s[t] != "]" or first:
        first = False
        if n - t > 2 and s[t] == "[" and s[t + 1] == ":":
            end = s.find(":]", t + 2)
            if end >= 0:
                name = s[t + 2 : end]
                negated_group = name.startswith("^")
                group = _POSIX.get(name[1:] if negated_group else name)
                if group is None:
                    raise BadPattern(f"invalid character class range: {s[t : end + 2]}")
                ranges.extend(_complement(group) if negated_group else group)
                t = end + 2
                continue
        if t + 1 < n and s[t] == "\\" and s[t + 1] in "pP":
            raise UnsupportedPattern("Unicode classes (\\p) are not supported by layerlint")
        if t + 1 < n and s[t] == "\\" and s[t + 1] in "dswDSW":
            ranges.extend(_perl_class(s[t + 1]))
            t += 2
            continue
        lo, t = _class_char(s, t)
        hi = lo
        if n - t >= 2 and s[t] == "-" and s[t + 1] != "]":
            hi, t = _class_char(s, t + 1)
            if hi < lo:
                raise BadPattern(f"invalid character class range: {lo}-{hi}")
        ranges.append((ord(lo), ord(hi)))
    result = _complement(tuple(ranges)) if negated else tuple(ranges)
    return _emit_class(result), t + 1


def _translate(go: str) -> str:
    """Rewrite the Go regexp patternmatcher builds into an equivalent Python one.

    Only the syntax that can reach Go's parser from a pattern is handled; ``\\p{...}`` is
    refused rather than guessed.
    """
    out: list[str] = []
    i = 0
    n = len(go)
    while i < n:
        c = go[i]
        if c == "\\":
            nxt = go[i + 1] if i + 1 < n else ""
            if nxt and nxt in "dswDSW":
                out.append(_emit_class(_perl_class(nxt)))
                i += 2
            elif nxt in ("A", "b", "B"):
                out.append("\\" + nxt)
                i += 2
            elif nxt == "z":
                out.append(r"\Z")
                i += 2
            elif nxt == "Q":
                end = go.find("\\E", i + 2)
                literal = go[i + 2 :] if end < 0 else go[i + 2 : end]
                out.append(re.escape(literal))
                i = n if end < 0 else end + 2
            elif nxt in ("p", "P"):
                raise UnsupportedPattern("Unicode classes (\\p) are not supported by layerlint")
            else:
                char, i = _go_escape(go, i)
                out.append(re.escape(char))
        elif c == "[":
            piece, i = _go_class(go, i)
            out.append(piece)
        elif c == "$":
            out.append(r"\Z")
            i += 1
        elif c in "^.*?()":
            out.append(c)
            i += 1
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


_REGEX_ESCAPED = frozenset(".+()|{}$")


def _classify(cleaned: str) -> tuple[str, str]:
    """patternmatcher's ``compile``: the match kind and the Go regexp it would build."""
    reg = ["^"]
    kind = EXACT
    pos = 0
    n = len(cleaned)
    first = True
    while pos < n:
        ch = cleaned[pos]
        pos += 1
        if ch == "*":
            if pos < n and cleaned[pos] == "*":
                pos += 1
                if pos < n and cleaned[pos] == "/":
                    pos += 1
                if pos >= n:
                    if kind == EXACT:
                        kind = PREFIX
                    else:
                        reg.append(".*")
                        kind = REGEXP
                else:
                    reg.append("(.*/)?")
                    kind = REGEXP
                if first:
                    kind = SUFFIX
            else:
                reg.append("[^/]*")
                kind = REGEXP
        elif ch == "?":
            reg.append("[^/]")
            kind = REGEXP
        elif ch in _REGEX_ESCAPED:
            reg.append("\\" + ch)
        elif ch == "\\":
            if pos < n:
                reg.append("\\" + cleaned[pos])
                pos += 1
                kind = REGEXP
            else:
                reg.append("\\")
        elif ch in "[]":
            reg.append(ch)
            kind = REGEXP
        else:
            reg.append(ch)
        first = False
    reg.append("$")
    return kind, "".join(reg)


# ------------------------------------------------------------------------------ patterns


class IgnorePattern(Frozen):
    """One pattern line: ``text`` is the cleaned pattern without its ``!``.

    ``kind`` is patternmatcher's match strategy (exact, prefix, suffix, regexp),
    ``invalid`` when Docker would refuse the file, or ``unsupported`` for the one valid
    syntax this port cannot evaluate; ``error`` then says why.  Neither ever matches.
    ``regex`` (kind ``regexp`` only) is derived from ``text``: not compared, hashed or shown.
    """

    __slots__ = ("text", "exclusion", "line", "raw", "kind", "error", "_regex")  # constructor order
    text: str
    exclusion: bool
    line: int
    raw: str
    kind: str
    error: str | None

    def __init__(
        self,
        text: str,
        exclusion: bool,
        line: int,
        raw: str = "",
        kind: str = EXACT,
        error: str | None = None,
        regex: re.Pattern[str] | None = None,
    ) -> None:
        _set(self, "text", text)
        _set(self, "exclusion", exclusion)
        _set(self, "line", line)
        _set(self, "raw", raw)
        _set(self, "kind", kind)
        _set(self, "error", error)
        _set(self, "_regex", regex)

    @property
    def regex(self) -> re.Pattern[str] | None:
        return self._regex  # type: ignore[no-any-return]

    def __reduce__(self) -> tuple[object, ...]:
        return self.__class__, (*self._values(self), self._regex)  # type: ignore[call-arg]

    def _replace(self, **changes: object) -> IgnorePattern:
        changes.setdefault("regex", self._regex)
        return super()._replace(**changes)  # type: ignore[no-any-return]

    @classmethod
    def compile(cls, text: str, exclusion: bool, line: int, raw: str = "") -> IgnorePattern:
        try:
            glob_match(text, ".")  # Docker validates every pattern this way first
            kind, go = _classify(text)
            regex = None
            if kind == REGEXP:
                try:
                    regex = re.compile(_translate(go), re.ASCII)
                except re.error as exc:
                    raise BadPattern(str(exc)) from None
        except BadPattern as exc:
            return cls(text, exclusion, line, raw or text, INVALID, str(exc) or "syntax error in pattern")
        except UnsupportedPattern as exc:
            return cls(text, exclusion, line, raw or text, UNSUPPORTED, str(exc))
        return cls(text, exclusion, line, raw or text, kind, None, regex)

    def match(self, path: str) -> bool:
        """Whether this pattern alone matches ``path`` (no parent-directory logic)."""
        return bool(_tester(self)(path))

    def __str__(self) -> str:
        return ("!" if self.exclusion else "") + self.text


def _tester(pattern: IgnorePattern) -> Callable[[str], object]:
    """patternmatcher's ``match`` for one pattern, as a callable with a truthy result."""
    text = pattern.text
    if pattern.kind == EXACT:
        return text.__eq__
    if pattern.kind == PREFIX:
        prefix = text[:-2]
        return lambda path: path.startswith(prefix)
    if pattern.kind == SUFFIX:
        suffix = text[2:]
        bare = suffix[1:] if suffix[:1] == "/" else None  # "**/foo" also matches "foo"
        return lambda path: path.endswith(suffix) or path == bare
    if pattern.regex is not None:
        return pattern.regex.search
    return lambda path: False


MatchInfo = tuple[bool, ...]


class MatchState(Frozen):
    """The verdict for one path plus what its children inherit (patternmatcher's MatchInfo)."""

    __slots__ = ("excluded", "pattern", "info")  # constructor order: Value relies on it

    excluded: bool
    pattern: IgnorePattern | None
    info: MatchInfo

    def __init__(self, excluded: bool, pattern: IgnorePattern | None, info: MatchInfo) -> None:
        _set(self, "excluded", excluded)
        _set(self, "pattern", pattern)
        _set(self, "info", info)


class DockerIgnore:
    """A parsed ``.dockerignore``: which context paths the build never sees."""

    __slots__ = ("patterns", "path", "_active", "_tests", "_exceptions", "_dir_info")

    def __init__(self, patterns: tuple[IgnorePattern, ...] = (), path: str | None = None) -> None:
        self.patterns = patterns
        self.path = path
        self._active = tuple(p for p in patterns if p.error is None)
        self._tests = tuple((p, _tester(p)) for p in self._active)
        self._exceptions = tuple(p for p in self._active if p.exclusion)
        self._dir_info: dict[str, MatchInfo] = {}

    @classmethod
    def parse(cls, text: str, path: str | None = None) -> DockerIgnore:
        """Read patterns as ``ignorefile.ReadAll`` then ``patternmatcher.New`` do."""
        patterns: list[IgnorePattern] = []
        if text.startswith("\ufeff"):
            text = text[1:]
        for number, line in enumerate(text.split("\n"), start=1):
            if line.endswith("\r"):
                line = line[:-1]
            if line.startswith("#"):  # a comment only in column 1
                continue
            raw = line.strip(_GO_SPACE)
            pattern = _new_pattern(_read_line(raw), number, raw) if raw else None
            if pattern is not None:
                patterns.append(pattern)
        return cls(tuple(patterns), path)

    @classmethod
    def load(cls, path: str) -> DockerIgnore:
        """Read a file; bytes that are not UTF-8 survive as they do in Go (surrogateescape)."""
        with open(path, "rb") as fh:
            data = fh.read()
        return cls.parse(data.decode("utf-8", "surrogateescape"), path)

    @classmethod
    def for_build(cls, context_dir: str, dockerfile_path: str | None = None) -> DockerIgnore:
        """The ignore file BuildKit would use for this build, or an empty one."""
        found = find_dockerignore(context_dir, dockerfile_path)
        if found is None:
            return cls()
        try:
            return cls.load(found)
        except OSError:
            return cls(path=found)

    @property
    def errors(self) -> tuple[IgnorePattern, ...]:
        """Patterns Docker would refuse (the build fails on them); they never match here."""
        return tuple(p for p in self.patterns if p.kind == INVALID)

    @property
    def exclusions(self) -> bool:
        """Whether any ``!`` exception exists (BuildKit skips CopyIgnoredFile then)."""
        return bool(self._exceptions)

    def __len__(self) -> int:
        return len(self.patterns)

    # -- the walker's view: what is actually sent to the builder

    def step(self, relpath: str, parent: MatchInfo | None = None) -> MatchState:
        """Match one path given its parent directory's state (``MatchesUsingParentResults``).

        A walker calls this top-down, passing each directory's ``info`` to its children;
        that is how the context is filtered when it is sent, so it decides what exists.
        """
        matched = False
        decider = None
        info = [False] * len(self._tests)
        for index, (pattern, test) in enumerate(self._tests):
            inherited = parent and parent[index]
            # Once a verdict is set, only patterns that could flip it are tried.
            if not inherited and (pattern.exclusion != matched or not test(relpath)):
                continue
            info[index] = True
            matched = not pattern.exclusion
            decider = pattern
        return MatchState(matched, decider, tuple(info))

    def decide(self, relpath: str) -> MatchState:
        """The walker's verdict for any context path (``/``-separated, relative to the root)."""
        path = context_path(relpath)
        if not path or not self._active:
            return MatchState(False, None, ())
        parent_dir, _, _ = path.rpartition("/")
        parent = self._info_of_dir(parent_dir) if parent_dir else None
        return self.step(path, parent)

    def _info_of_dir(self, reldir: str) -> MatchInfo:
        cached = self._dir_info.get(reldir)
        if cached is None:
            above, _, _ = reldir.rpartition("/")
            cached = self.step(reldir, self._info_of_dir(above) if above else None).info
            self._dir_info[reldir] = cached
        return cached

    def matches(self, relpath: str) -> bool:
        """True when the path is excluded from the build context."""
        return self.decide(relpath).excluded

    def matching_pattern(self, relpath: str) -> IgnorePattern | None:
        """The last pattern that applied to the path (an exception when it was re-included)."""
        return self.decide(relpath).pattern

    def can_skip_dir(self, reldir: str) -> bool:
        """Whether a directory and everything below it is excluded, so a walk may prune it."""
        path = context_path(reldir)
        return bool(path) and self.matches(path) and self.nothing_reincluded_below(path)

    def nothing_reincluded_below(self, reldir: str) -> bool:
        """No exception could match a path strictly inside ``reldir`` (conservative)."""
        return not any(_could_match_below(p, reldir) for p in self._exceptions)

    # -- BuildKit's CopyIgnoredFile view

    def matches_or_parent_matches(self, path: str) -> bool:
        """patternmatcher's ``MatchesOrParentMatches`` on a cleaned path, as BuildKit's check calls it."""
        file = go_clean(path)
        slash = file.rfind("/")
        parent = go_clean(file[: slash + 1]) if slash >= 0 else "."
        parent_dirs = parent.split("/")
        matched = False
        for pattern in self._active:
            if pattern.exclusion != matched:
                continue
            hit = pattern.match(file)
            if not hit and parent != ".":
                hit = any(pattern.match("/".join(parent_dirs[: i + 1])) for i in range(len(parent_dirs)))
            if hit:
                matched = not pattern.exclusion
        return matched

    def copy_source_ignored(self, src: str) -> str | None:
        """BuildKit's CopyIgnoredFile test for one COPY/ADD source: the path it names, or None.

        BuildKit judges the source text, not the files: it gives up when any ``!`` exception
        exists, and the context root only counts as ignored under ``*``, ``**`` or ``**/*``.
        """
        if not self._active or self.exclusions:
            return None
        path = go_clean(src)
        if path in (".", "/") and not any(p.text in ("*", "**", "**/*") for p in self._active):
            return None
        return path if self.matches_or_parent_matches(path) else None


def _read_line(pattern: str) -> str:
    """``ignorefile.ReadAll`` on one non-blank line: clean, drop a leading ``/``, keep ``!``."""
    invert = pattern[0] == "!"
    if invert:
        pattern = pattern[1:].strip(_GO_SPACE)
    if pattern:
        pattern = go_clean(pattern)
        if len(pattern) > 1 and pattern[0] == "/":
            pattern = pattern[1:]
    return "!" + pattern if invert else pattern


def _new_pattern(pattern: str, line: int, raw: str) -> IgnorePattern | None:
    """``patternmatcher.New`` on one pattern: trimmed and cleaned again, ``!`` included."""
    pattern = pattern.strip(_GO_SPACE)  # "foo /" reads as "foo " and ends as "foo"
    if not pattern:
        return None
    pattern = go_clean(pattern)
    if pattern[0] != "!":
        return IgnorePattern.compile(pattern, False, line, raw)
    if len(pattern) == 1:
        return IgnorePattern("", True, line, raw, INVALID, 'illegal exclusion pattern: "!"')
    return IgnorePattern.compile(pattern[1:], True, line, raw)


def _could_match_below(pattern: IgnorePattern, reldir: str) -> bool:
    """Whether an exception might match some path under ``reldir``; True when unsure."""
    text = pattern.text
    below = reldir + "/"
    if pattern.kind == EXACT:
        return text.startswith(below)
    if pattern.kind == PREFIX:
        prefix = text[:-2]
        return prefix.startswith(below) or below.startswith(prefix)
    if pattern.kind != REGEXP:
        return pattern.kind == SUFFIX
    if any(c in text for c in "[\\^"):  # classes and escapes may match "/"
        return True
    pattern_parts = text.split("/")
    dir_parts = reldir.split("/")
    for depth, name in enumerate(dir_parts):
        if depth >= len(pattern_parts):
            return False
        part = pattern_parts[depth]
        if "**" in part:
            return True
        if not glob_match(part, name):
            return False
    return len(pattern_parts) > len(dir_parts)


def find_dockerignore(context_dir: str, dockerfile_path: str | None) -> str | None:
    """The ignore file BuildKit reads: ``<Dockerfile>.dockerignore`` first, then the context's."""
    if dockerfile_path and dockerfile_path != "-":
        specific = dockerfile_path + DOCKERIGNORE
        if os.path.isfile(specific):
            return specific
    default = os.path.join(context_dir, DOCKERIGNORE)
    if os.path.isfile(default):
        return default
    return None
