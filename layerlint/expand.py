"""BuildKit's word processing and variable expansion, and the ARG/ENV scope rules.

This mirrors ``frontend/dockerfile/shell/lex.go`` in moby/buildkit (quote removal, escapes,
``$NAME``/``${NAME...}`` expansion, splitting into words) so that a linter sees the value
BuildKit would use, including its quirks: ``${V#'*'}`` treats the quoted ``*`` as a wildcard,
``${V//p/$0}`` inserts the match (Go's regexp template syntax), ``*`` never crosses a newline.

It is a hand-written scanner: one pass, no backtracking; nesting is bounded, so malformed
input (unterminated ``${``, trailing escape) ends in an :class:`ExpansionError`, never a hang.
Pattern operators (``#``, ``%``, ``/``) run a small NFA simulation, linear in the value for
each match found.

:class:`Scope` models which variables an instruction sees, following BuildKit's
``dockerfile2llb/convert.go`` (``buildMetaArgs``, ``dispatchArg``, ``dispatchEnv``,
``dispatchState.init``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType

from layerlint.source import Frozen, _set

__all__ = [
    "DEFAULT_PATH",
    "DEFAULT_PLATFORM",
    "PLATFORM_ARGS",
    "PROXY_ARGS",
    "ExpansionError",
    "Scope",
    "expand_heredoc",
    "platform_args",
    "process_word",
    "process_words",
    "referenced_names",
    "unquote",
]

Unresolved = Callable[[str], None]


class ExpansionError(Exception):
    """A word BuildKit would refuse to expand; the message says why, as BuildKit words it.

    ``word`` is the text being processed and ``offset`` the index in it where the problem
    was found (``len(word)`` for "missing '}'"-style errors), so callers can point at it.
    """

    def __init__(self, message: str, word: str = "", offset: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.word = word
        self.offset = offset


# ---------------------------------------------------------------------------------------
# Character classes, as Go's unicode package defines them.


def _is_space(c: str) -> bool:
    """Go's ``unicode.IsSpace``: Python also counts U+001C..U+001F, Go does not."""
    return c.isspace() and not ("\x1c" <= c <= "\x1f")


def _is_name_char(c: str) -> bool:
    """``unicode.IsLetter || unicode.IsDigit || '_'`` (letters are category L, digits Nd)."""
    return c.isalpha() or c.isdecimal() or c == "_"


_SPECIAL_PARAMS = frozenset("@*#?-$!0")
_MAX_DEPTH = 150  # nested ${...}; BuildKit has no limit, real Dockerfiles use a handful


# ---------------------------------------------------------------------------------------
# Shell patterns for ${V#p} ${V%p} ${V/p/r}: BuildKit converts them to Go regexps made of
# literals, `.` and `.*`/`.*?`.  With only those, the match Go's leftmost-first engine
# prefers is the leftmost start and then the longest end (greedy) or shortest end (lazy),
# which an NFA simulation finds without backtracking.

_LIT, _ANY, _STAR = 0, 1, 2
_Pattern = tuple[tuple[int, str], ...]


class _PatternError(Exception):
    pass


def _compile_pattern(pattern: str) -> _Pattern:
    """BuildKit's ``convertShellPatternToRegex`` as tokens: ``*``, ``?``, literals.

    ``\\`` escapes only ``*``, ``?`` and ``\\``; before ``}`` or ``/`` it is dropped (it was
    there to keep those out of the ``${}`` syntax); anything else is an error.
    """
    i = 1 if pattern.startswith("\ufeff") else 0  # Go's text/scanner skips a leading BOM
    n = len(pattern)
    tokens: list[tuple[int, str]] = []
    while i < n:
        c = pattern[i]
        i += 1
        if c == "*":
            tokens.append((_STAR, ""))
        elif c == "?":
            tokens.append((_ANY, ""))
        elif c == "\\":
            if i < n and pattern[i] in "}/":
                continue
            if i >= n:
                raise _PatternError("invalid escape '\\' at the end of the pattern")
            c = pattern[i]
            i += 1
            if c not in "*?\\":
                raise _PatternError(f"invalid escape '\\{c}'")
            tokens.append((_LIT, c))
        else:
            tokens.append((_LIT, c))
    return tuple(tokens)


def _reverse_pattern(pattern: str) -> str:
    """BuildKit's ``reversePattern``: reverse, keeping each ``\\x`` pair in order."""
    out: list[str] = []
    i = 0
    last = len(pattern) - 1
    while i <= last:
        if pattern[i] == "\\" and i != last:
            out.append(pattern[i : i + 2])
            i += 2
        else:
            out.append(pattern[i])
            i += 1
    return "".join(reversed(out))


def _closures(tokens: _Pattern) -> list[int]:
    """Per state, the bit set reachable by skipping stars (state ``len(tokens)`` accepts)."""
    m = len(tokens)
    cl = [0] * (m + 1)
    cl[m] = 1 << m
    for i in range(m - 1, -1, -1):
        cl[i] = (1 << i) | (cl[i + 1] if tokens[i][0] == _STAR else 0)
    return cl


def _targets(tokens: _Pattern, cl: list[int], state: int, c: str) -> int:
    if state >= len(tokens):
        return 0
    kind, lit = tokens[state]
    if kind == _STAR:
        return cl[state] if c != "\n" else 0  # Go's `.` does not match a newline
    if kind == _ANY:
        return cl[state + 1] if c != "\n" else 0
    return cl[state + 1] if c == lit else 0


def _bits(mask: int) -> Iterable[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _anchored_end(tokens: _Pattern, text: str, start: int, longest: bool) -> int | None:
    """End of the preferred match starting exactly at ``start``, or None."""
    cl = _closures(tokens)
    accept = 1 << len(tokens)
    states = cl[0]
    best = start if states & accept else None
    if best is not None and not longest:
        return best
    for p in range(start, len(text)):
        c = text[p]
        nxt = 0
        for s in _bits(states):
            nxt |= _targets(tokens, cl, s, c)
        states = nxt
        if not states:
            break
        if states & accept:
            best = p + 1
            if not longest:
                return best
    return best


def _find(tokens: _Pattern, text: str, start: int) -> tuple[int, int] | None:
    """Go's ``FindStringIndex`` from ``start`` for a greedy pattern: leftmost, then longest."""
    cl = _closures(tokens)
    m = len(tokens)
    n = len(text)
    threads: dict[int, int] = {}  # state -> smallest start that reaches it
    best: int | None = None
    for p in range(start, n + 1):
        if best is None:
            for s in _bits(cl[0]):
                threads.setdefault(s, p)
        if m in threads and (best is None or threads[m] < best):
            best = threads[m]
        if best is not None:
            threads = {s: lab for s, lab in threads.items() if lab < best}
            if not threads:
                break
        if p == n:
            break
        c = text[p]
        nxt: dict[int, int] = {}
        for s, lab in threads.items():
            for t in _bits(_targets(tokens, cl, s, c)):
                if t not in nxt or lab < nxt[t]:
                    nxt[t] = lab
        threads = nxt
    if best is None:
        return None
    end = _anchored_end(tokens, text, best, longest=True)
    assert end is not None
    return best, end


def _trim_prefix(pattern: str, value: str, greedy: bool) -> str:
    tokens = _compile_pattern(pattern)
    end = _anchored_end(tokens, value, 0, longest=greedy)
    return value if end is None else value[end:]


def _trim_suffix(pattern: str, value: str, greedy: bool) -> str:
    # As BuildKit: reverse pattern and value, so the shortest suffix becomes a prefix match.
    return _trim_prefix(_reverse_pattern(pattern), value[::-1], greedy)[::-1]


def _go_template(template: str, match: str) -> str:
    """Go's ``Regexp.Expand`` as used by ``ReplaceAllString``: ``$0``/``${0}`` is the match,
    ``$$`` a dollar, other ``$name`` references are empty, a malformed ``$`` stays as is."""
    if "$" not in template:
        return template
    out: list[str] = []
    i = 0
    n = len(template)
    while i < n:
        j = template.find("$", i)
        if j < 0:
            out.append(template[i:])
            break
        out.append(template[i:j])
        i = j + 1
        if i < n and template[i] == "$":
            out.append("$")
            i += 1
            continue
        brace = i < n and template[i] == "{"
        k = i + 1 if brace else i
        name_start = k
        while k < n and _is_name_char(template[k]):
            k += 1
        name = template[name_start:k]
        if not name or (brace and (k >= n or template[k] != "}")):
            out.append("$")
            continue
        i = k + 1 if brace else k
        if name == "0":  # the only group these regexps have; other numbers and names are empty
            out.append(match)
    return "".join(out)


def _replace(pattern: str, value: str, replacement: str, replace_all: bool) -> str:
    tokens = _compile_pattern(pattern)
    if not replace_all:
        found = _find(tokens, value, 0)
        return value if found is None else value[: found[0]] + replacement + value[found[1] :]
    # Go's Regexp.replaceAll: an empty match right after a match is not replaced, and the
    # search always advances by at least one character.
    out: list[str] = []
    last_end = 0
    search = 0
    n = len(value)
    while search <= n:
        found = _find(tokens, value, search)
        if found is None:
            break
        s, e = found
        out.append(value[last_end:s])
        if e > last_end or s == 0:
            out.append(_go_template(replacement, value[s:e]))
        last_end = e
        search = search + 1 if search + 1 > e else e
    out.append(value[last_end:])
    return "".join(out)


# ---------------------------------------------------------------------------------------
# The scanner.


class _Words:
    """BuildKit's ``wordsStruct``: splits on unquoted whitespace, keeps quoted runs whole."""

    __slots__ = ("cur", "in_word", "size", "words")

    def __init__(self) -> None:
        self.words: list[str] = []
        self.cur: list[str] = []
        self.size = 0
        self.in_word = False

    def add_char(self, c: str) -> None:
        if _is_space(c):
            # Whitespace ends a word only once the word has text: `"" a` is one word, "a".
            if self.in_word and self.size:
                self.words.append("".join(self.cur))
                self.cur = []
                self.size = 0
                self.in_word = False
        else:
            self.add_raw(c)

    def add_raw(self, s: str) -> None:
        self.cur.append(s)
        self.size += len(s)
        self.in_word = True

    def add_string(self, s: str) -> None:
        for c in s:
            self.add_char(c)

    def finish(self) -> list[str]:
        if self.size:
            self.words.append("".join(self.cur))
        return self.words


class _Lexer:
    """One use per word.

    ``env is None`` is the literal mode of :func:`unquote`: expansions are checked and kept
    as written, and errors are tolerated (an unterminated quote or ``${`` runs to the end).
    """

    __slots__ = ("depth", "env", "escape", "n", "pos", "quotes", "seen", "text", "unresolved")

    def __init__(
        self,
        text: str,
        env: Mapping[str, str] | None,
        escape: str,
        unresolved: Unresolved | None,
        *,
        quotes: bool = True,
    ) -> None:
        if len(escape) != 1:
            raise ValueError(f"escape must be one character, got {escape!r}")
        self.text = text
        self.n = len(text)
        self.pos = 1 if text.startswith("\ufeff") else 0  # Go's text/scanner skips a leading BOM
        self.env = env
        self.escape = escape
        self.unresolved = unresolved
        self.quotes = quotes
        self.seen: set[str] = set()
        self.depth = 0

    def error(self, message: str) -> ExpansionError:
        return ExpansionError(message, self.text, self.pos)

    def lookup(self, name: str) -> str | None:
        assert self.env is not None
        value = self.env.get(name)
        if value is None and name and name not in self.seen:
            self.seen.add(name)
            if self.unresolved is not None:
                self.unresolved(name)
        return value

    # BuildKit's processStopOn: up to `stop` ("" = end of text), which is consumed.
    def until(self, stop: str, raw_escapes: bool, words: _Words | None = None) -> str:
        text = self.text
        n = self.n
        esc = self.escape
        quotes = self.quotes
        out: list[str] = []
        while self.pos < n:
            c = text[self.pos]
            if c == stop:
                self.pos += 1
                return "".join(out)
            if c == "$":
                value = self.dollar()
                out.append(value)
                if words is not None:
                    words.add_string(value)
                continue
            if quotes and (c == "'" or c == '"'):
                value = self.single_quote() if c == "'" else self.double_quote(raw_escapes)
                out.append(value)
                if words is not None:
                    words.add_raw(value)
                continue
            self.pos += 1
            if c == esc:
                if raw_escapes:
                    out.append(c)
                    if words is not None:
                        words.add_raw(c)
                if self.pos >= n:
                    break  # a trailing escape is dropped
                c = text[self.pos]
                self.pos += 1
                if words is not None:
                    words.add_raw(c)
            elif words is not None:
                words.add_char(c)
            out.append(c)
        if stop:
            raise self.error(f"unexpected end of statement while looking for matching {stop}")
        return "".join(out)

    def single_quote(self) -> str:
        start = self.pos + 1
        end = self.text.find("'", start)
        if end < 0:
            if self.env is not None:
                self.pos = self.n
                raise self.error("unexpected end of statement while looking for matching single-quote")
            end = self.n
        self.pos = end + 1
        return self.text[start:end]

    def double_quote(self, raw_escapes: bool) -> str:
        # Inside "...", the escape character only escapes `"`, `$` and itself.
        text = self.text
        n = self.n
        esc = self.escape
        out: list[str] = []
        self.pos += 1
        while True:
            if self.pos >= n:
                if self.env is None:
                    return "".join(out)
                raise self.error("unexpected end of statement while looking for matching double-quote")
            c = text[self.pos]
            if c == '"':
                self.pos += 1
                return "".join(out)
            if c == "$":
                out.append(self.dollar())
                continue
            self.pos += 1
            if c == esc:
                if raw_escapes:
                    out.append(c)
                if self.pos >= n:
                    continue
                nxt = text[self.pos]
                if nxt == '"' or nxt == "$" or nxt == esc:
                    c = nxt
                    self.pos += 1
            out.append(c)

    def name(self) -> str:
        """A variable name: digits (positional), one special character, or a word."""
        text = self.text
        n = self.n
        start = self.pos
        if start >= n:
            return ""
        c = text[start]
        if c.isdecimal():
            while self.pos < n and text[self.pos].isdecimal():
                self.pos += 1
        elif c in _SPECIAL_PARAMS:
            self.pos += 1
        else:
            while self.pos < n and _is_name_char(text[self.pos]):
                self.pos += 1
        return text[start : self.pos]

    def dollar(self) -> str:
        start = self.pos
        self.pos += 1
        text = self.text
        if self.pos >= self.n or text[self.pos] != "{":
            name = self.name()
            if not name:
                return "$"
            if self.env is None:
                return text[start : self.pos]
            value = self.lookup(name)
            return "" if value is None else value
        if self.env is not None:
            return self.braced()
        try:  # literal mode: find the end of the expansion, keep the text as written
            self.braced()
        except ExpansionError:
            self.pos = self.n
        return text[start : self.pos]

    def braced(self) -> str:
        text = self.text
        n = self.n
        self.pos += 1  # '{'
        if self.pos >= n:
            raise self.error("syntax error: missing '}'")
        if text[self.pos] in "{}:":
            raise self.error("syntax error: bad substitution")
        name = self.name()
        if self.pos >= n:
            raise self.error("syntax error: missing '}'")
        ch = text[self.pos]
        self.pos += 1
        if ch == "}":
            if self.env is None:
                return ""
            value = self.lookup(name)
            return "" if value is None else value
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise self.error("syntax error: ${...} nested too deeply")
        try:
            if ch == "/":
                return self.substitute(name)
            if ch == ":" or ch in "+-?#%":
                return self.modifier(name, ch)
            raise self.error(f"unsupported modifier ({ch}) in substitution")
        finally:
            self.depth -= 1

    def word_until(self, stop: str, raw_escapes: bool, missing: str) -> str:
        try:
            return self.until(stop, raw_escapes)
        except ExpansionError:
            if self.pos >= self.n:
                raise self.error(missing) from None
            raise

    def modifier(self, name: str, ch: str) -> str:
        modifier = ch
        null_is_unset = ch == ":"
        if null_is_unset:
            # Whatever follows `:` is taken as the operator; BuildKit rejects unknown ones
            # only after reading the word, and `${V:#p}` works like `${V#p}`.
            ch = self.text[self.pos] if self.pos < self.n else ""
            modifier += ch
            self.pos += 1 if ch else 0
        word = self.word_until("}", ch in ("#", "%"), "syntax error: missing '}'")
        if self.env is None:
            return ""
        value = self.lookup(name)
        if ch == "-":
            return word if value is None or (null_is_unset and value == "") else value
        if ch == "+":
            return "" if value is None or (null_is_unset and value == "") else word
        if ch == "?":
            if value is None:
                raise self.error(f"{name}: {word or 'is not allowed to be unset'}")
            if null_is_unset and value == "":
                raise self.error(f"{name}: {word or 'is not allowed to be empty'}")
            return value
        if ch in ("#", "%"):
            greedy = word.startswith(ch)
            pattern = word[1:] if greedy else word
            try:
                if ch == "%":
                    return _trim_suffix(pattern, value or "", greedy)
                return _trim_prefix(pattern, value or "", greedy)
            except _PatternError as exc:
                shown = _reverse_pattern(pattern) if ch == "%" else pattern
                raise self.error(f"invalid pattern ({shown}) in substitution: {exc}") from None
        raise self.error(f"unsupported modifier ({modifier}) in substitution")

    def substitute(self, name: str) -> str:
        replace_all = self.pos < self.n and self.text[self.pos] == "/"
        if replace_all:
            self.pos += 1
        pattern = self.word_until("/", True, "syntax error: missing '/' in ${}")
        replacement = self.word_until("}", True, "syntax error: missing '}'")
        if self.env is None:
            return ""
        value = self.lookup(name) or ""
        try:
            return _replace(pattern, value, replacement, replace_all)
        except _PatternError as exc:
            raise self.error(f"invalid pattern ({pattern}) in substitution: {exc}") from None


def _plain(word: str, escape: str, quotes: bool) -> bool:
    """True when nothing in ``word`` is special, so processing returns it unchanged."""
    if "$" in word or escape in word or word.startswith("\ufeff"):
        return False
    return not quotes or ("'" not in word and '"' not in word)


# ---------------------------------------------------------------------------------------
# Public functions.


def process_word(
    word: str,
    env: Mapping[str, str],
    escape: str = "\\",
    *,
    unresolved: Unresolved | None = None,
    quotes: bool = True,
) -> str:
    """BuildKit's ``ProcessWord``: expand variables, remove quotes, apply escapes.

    ``unresolved(name)`` is called once for each variable looked up but absent from
    ``env`` (BuildKit's "unmatched" set), even inside a default such as ``${A:-$B}`` and
    for positional/special names like ``$1``; the empty name is never reported.
    ``quotes=False`` treats quotes as ordinary characters, as BuildKit does for the bodies
    of ``COPY <<EOF`` heredocs.  Raises :class:`ExpansionError` where BuildKit fails.
    """
    if _plain(word, escape, quotes):
        return word
    return _Lexer(word, env, escape, unresolved, quotes=quotes).until("", False)


def process_words(
    text: str,
    env: Mapping[str, str],
    escape: str = "\\",
    *,
    unresolved: Unresolved | None = None,
) -> list[str]:
    """BuildKit's ``ProcessWords``: expand, then split on whitespace outside quotes.

    Whitespace produced by an unquoted expansion splits too (``$V`` with ``V="a b"`` gives
    two words); quoted text and escaped whitespace stay in one word; empty words vanish.
    """
    words = _Words()
    _Lexer(text, env, escape, unresolved).until("", False, words)
    return words.finish()


def expand_heredoc(body: str, env: Mapping[str, str], *, unresolved: Unresolved | None = None) -> str:
    """The body of an expanding ``COPY``/``ADD`` heredoc as BuildKit writes it.

    BuildKit expands these with quotes left alone and ``\\`` as the escape whatever the
    ``# escape=`` directive says, so ``\\$HOME`` keeps a literal ``$HOME`` (and other
    backslashes are dropped, as BuildKit does).
    """
    return process_word(body, env, "\\", unresolved=unresolved, quotes=False)


def referenced_names(word: str, escape: str = "\\") -> set[str]:
    """Every variable name ``word`` looks up, in any branch (for cache and scope checks).

    Names after a syntax error are not seen; ``${V:?}`` does not stop the search.
    """
    if "$" not in word:
        return set()
    lexer = _Lexer(word, {}, escape, None)  # every name unset: each lookup is recorded
    while True:
        try:
            lexer.until("", False)
            return lexer.seen
        except ExpansionError as exc:
            # `${V?}` and bad patterns fail only after the whole ${...} was read: go on.
            if exc.message.startswith(("syntax error", "unexpected end")) or lexer.pos >= lexer.n:
                return lexer.seen


def unquote(word: str, escape: str = "\\") -> str:
    """Remove quotes and apply escapes without expanding: ``$V`` and ``${...}`` stay as written.

    Never raises: an unterminated quote runs to the end of the word and a malformed
    ``${`` is kept literally, so the parser always has a value to show.
    """
    if _plain(word, escape, True):
        return word
    return _Lexer(word, None, escape, None).until("", False)


# ---------------------------------------------------------------------------------------
# ARG / ENV scoping.

DEFAULT_PLATFORM = "linux/amd64"
"""The platform assumed when none is given (BuildKit uses the builder's own)."""

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
"""``system.DefaultPathEnv("linux")``: BuildKit sets PATH to this when the image has none."""

PLATFORM_ARGS = (
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "TARGETSTAGE",
)
"""Automatic ARGs of the global scope (visible in FROM lines; redeclare to use in a stage)."""

PROXY_ARGS = frozenset(
    {
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "FTP_PROXY",
        "ftp_proxy",
        "NO_PROXY",
        "no_proxy",
        "ALL_PROXY",
        "all_proxy",
    }
)
"""Predefined ARGs: given as build args they reach RUN without an ARG line (and stay out of
the image history), but Dockerfile-level expansion only sees them once declared."""

_NON_ENV_ARGS = frozenset({"BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"})

_ARCH_ALIASES = {"x86_64": "amd64", "x86-64": "amd64", "aarch64": "arm64", "i386": "386", "i686": "386"}


def _split_platform(platform: str) -> tuple[str, str, str]:
    """(os, arch, variant) of a platform string, normalized like containerd's ``Normalize``."""
    parts = platform.strip().lower().split("/")
    os_ = parts[0] if parts and parts[0] else "linux"
    arch = parts[1] if len(parts) > 1 else ("amd64" if os_ == "linux" else "")
    variant = parts[2] if len(parts) > 2 else ""
    arch = _ARCH_ALIASES.get(arch, arch)
    if arch == "armhf":
        arch, variant = "arm", variant or "v7"
    elif arch == "armel":
        arch, variant = "arm", variant or "v6"
    if arch == "arm" and not variant:
        variant = "v7"
    if arch == "arm64" and variant in ("v8", "8"):
        variant = ""
    return os_, arch, variant


def _format_platform(os_: str, arch: str, variant: str) -> str:
    return "/".join(p for p in (os_, arch, variant) if p)


def platform_args(
    target_platform: str = DEFAULT_PLATFORM,
    build_platform: str | None = None,
    target_stage: str = "default",
) -> dict[str, str]:
    """Values of the automatic ARGs (BuildKit's ``defaultArgs``); build platform defaults to target."""
    t_os, t_arch, t_var = _split_platform(target_platform)
    b_os, b_arch, b_var = _split_platform(build_platform) if build_platform else (t_os, t_arch, t_var)
    return {
        "BUILDPLATFORM": _format_platform(b_os, b_arch, b_var),
        "BUILDOS": b_os,
        "BUILDARCH": b_arch,
        "BUILDVARIANT": b_var,
        "TARGETPLATFORM": _format_platform(t_os, t_arch, t_var),
        "TARGETOS": t_os,
        "TARGETARCH": t_arch,
        "TARGETVARIANT": t_var,
        "TARGETSTAGE": target_stage,
    }


_EMPTY: Mapping[str, str] = MappingProxyType({})


def _frozen(d: dict[str, str]) -> Mapping[str, str]:
    return MappingProxyType(d)


class Scope(Frozen):
    """The variables an instruction sees, with BuildKit's rules.  Immutable: each
    ``with_*``/``enter_stage`` call returns a new scope.

    Life cycle, as ``build.py`` walks the file::

        g = Scope.initial(build_args, target_stage="app")   # automatic platform ARGs
        g = g.with_arg("VERSION", "1.0")                    # each global ARG (before FROM)
        base = g.expand_from("debian:$VERSION")               # FROM lines see global_args
        s = g.enter_stage()                                   # FROM debian  (image env unknown)
        s = s.with_arg("VERSION", None)                       # ARG VERSION -> global default
        s = s.with_env([("APP", "/opt/$VERSION")])           # one ENV instruction
        child = g.enter_stage(parent=s_at_end)                # FROM <stage>: inherits ENV and ARGs

    Rules encoded here (BuildKit ``dockerfile2llb/convert.go``):

    * Global ARGs are evaluated in order, each default expanded with those before it; a
      ``--build-arg`` replaces the default (used verbatim).  They are visible in FROM lines
      only.  The automatic platform ARGs start the global scope (build args override them).
    * In a stage, ``ARG N`` without default takes the build arg, else the global value, else
      N stays *unset* (``${N-x}`` gives ``x``); ``ARG N=d`` takes the build arg, else ``d``
      expanded against the stage's variables (global ARGs are not among them).
      Each name of one ARG instruction sees the ones before it.
    * ``ENV`` expands every pair against the variables *before* the instruction (so in
      ``ENV A=1 B=$A`` B gets the old A) and its keys are expanded too.
    * ARG and ENV share one namespace in which the latest assignment wins: ENV after ARG
      overrides it, and an ARG after ENV overrides the ENV for the rest of the stage
      (BuildKit adds ARG values to the build environment; the image config keeps the ENV).
    * ``FROM <stage>`` inherits the parent stage's ENV *and* ARG values (``dispatchState.init``
      copies the parent's LLB state, whose environment holds both; Docker's "Build variables"
      page says "Arguments and variables are inherited from parent stages").
    * A stage from an image starts with the image's ENV, unknown to a linter unless given;
      PATH is always set (BuildKit adds :data:`DEFAULT_PATH` when the image lacks it).
    * Proxy build args (:data:`PROXY_ARGS`) reach RUN processes without a declaration
      (:meth:`run_env`) but are not visible to Dockerfile expansion until declared.
    """

    __slots__ = (  # constructor order: Value relies on it
        "env",
        "origins",
        "declared_args",
        "global_args",
        "build_args",
        "base_env_known",
        "in_stage",
        "escape",
        "guessed",
    )
    env: Mapping[str, str]
    """Variables visible to Dockerfile expansion at this point (BuildKit's stage env)."""
    origins: Mapping[str, str]
    """For each name in ``env``: ``"arg"``, ``"env"``, ``"image"`` (base image) or ``"platform"``."""
    declared_args: frozenset[str]
    """ARG names declared in this stage or inherited from a parent stage (even without value)."""
    global_args: Mapping[str, str]
    """The global (meta) ARGs: what FROM lines see and what ``ARG N`` in a stage inherits."""
    build_args: Mapping[str, str]
    """``--build-arg`` values."""
    base_env_known: bool
    """False when the stage descends from an image whose ENV the linter does not know."""
    in_stage: bool
    """False for the global scope before the first FROM."""
    escape: str
    """The Dockerfile's escape character, used by :meth:`expand` and the ``with_*`` methods."""
    guessed: frozenset[str]
    """Names whose value in ``env`` is an assumption: PATH of an image whose ENV is unknown,
    and values built from a guessed variable or from one the image may define."""

    def __init__(
        self,
        env: Mapping[str, str] = _EMPTY,
        origins: Mapping[str, str] = _EMPTY,
        declared_args: frozenset[str] = frozenset(),
        global_args: Mapping[str, str] = _EMPTY,
        build_args: Mapping[str, str] = _EMPTY,
        base_env_known: bool = True,
        in_stage: bool = False,
        escape: str = "\\",
        guessed: frozenset[str] = frozenset(),
    ) -> None:
        _set(self, "env", env)
        _set(self, "origins", origins)
        _set(self, "declared_args", declared_args)
        _set(self, "global_args", global_args)
        _set(self, "build_args", build_args)
        _set(self, "base_env_known", base_env_known)
        _set(self, "in_stage", in_stage)
        _set(self, "escape", escape)
        _set(self, "guessed", guessed)

    @classmethod
    def initial(
        cls,
        build_args: Mapping[str, str] | None = None,
        *,
        target_platform: str = DEFAULT_PLATFORM,
        build_platform: str | None = None,
        target_stage: str = "default",
        escape: str = "\\",
    ) -> Scope:
        """The global scope before the first FROM: automatic ARGs, overridden by build args.

        ``target_stage`` is the name of the stage being built (``TARGETSTAGE``).
        """
        build = dict(build_args or {})
        values = platform_args(target_platform, build_platform, target_stage)
        for key in values:
            if key in build:
                values[key] = build[key]
        env = _frozen(values)
        return cls(
            env=env,
            origins=_frozen(dict.fromkeys(values, "platform")),
            global_args=env,
            build_args=_frozen(build),
            escape=escape,
        )

    # --- queries -------------------------------------------------------------------------

    def expand(self, word: str, *, unresolved: Unresolved | None = None) -> str:
        """:func:`process_word` with this scope's variables and escape character."""
        return process_word(word, self.env, self.escape, unresolved=unresolved)

    def expand_words(self, text: str, *, unresolved: Unresolved | None = None) -> list[str]:
        """:func:`process_words` with this scope's variables and escape character."""
        return process_words(text, self.env, self.escape, unresolved=unresolved)

    def expand_from(self, word: str, *, unresolved: Unresolved | None = None) -> str:
        """Expand a FROM line word (image, ``--platform``): only global ARGs are visible."""
        return process_word(word, self.global_args, self.escape, unresolved=unresolved)

    def is_known(self, name: str) -> bool:
        """True when ``env[name]`` is certain, False when it may differ or come from the image.

        A name absent from ``env`` is known to be unset only if the base image's ENV is known.
        """
        if name in self.guessed:
            return False
        return name in self.env or self.base_env_known

    @property
    def run_env(self) -> Mapping[str, str]:
        """Variables a RUN process gets from the build: ``env`` plus undeclared proxy build args."""
        extra = {k: v for k, v in self.build_args.items() if k in PROXY_ARGS and k not in self.env}
        return _frozen({**self.env, **extra}) if extra else self.env

    # --- transitions ---------------------------------------------------------------------

    def enter_stage(
        self,
        parent: Scope | None = None,
        *,
        image_env: Mapping[str, str] | None = None,
        scratch: bool = False,
    ) -> Scope:
        """The scope right after a FROM line.

        ``parent`` is the scope at the end of the stage named in ``FROM <stage>``; otherwise
        the stage starts from an image: ``scratch=True`` (no variables), ``image_env`` when
        the image's ENV is known, or neither (unknown image ENV: ``base_env_known`` is False).
        """
        if parent is not None:
            return parent._replace(global_args=self.global_args, build_args=self.build_args, escape=self.escape)
        env = dict(image_env or {})
        unknown: frozenset[str] = frozenset()
        if "PATH" not in env:
            env["PATH"] = DEFAULT_PATH
            if not scratch and image_env is None:
                unknown = frozenset({"PATH"})  # the image most likely sets its own
        return Scope(
            env=_frozen(env),
            origins=_frozen(dict.fromkeys(env, "image")),
            global_args=self.global_args,
            build_args=self.build_args,
            base_env_known=scratch or image_env is not None,
            in_stage=True,
            escape=self.escape,
            guessed=unknown,
        )

    def with_arg(self, name: str, default: str | None, *, unresolved: Unresolved | None = None) -> Scope:
        """After ``ARG name[=default]`` (call once per name of a multi-name ARG).

        ``default`` is the raw text (quotes kept) as written; it is expanded here.  Raises
        :class:`ExpansionError` when BuildKit would fail on the default.
        """
        guess = False
        if name in self.build_args:
            value: str | None = self.build_args[name]
        elif default is not None:
            value, guess = self._expand_tracked(default, unresolved)
        else:
            value = self.global_args.get(name)
        if not self.in_stage:
            if value is None:
                return self
            globals_ = _frozen({**self.global_args, name: value})
            origins = _frozen({**self.origins, name: "arg"})
            return self._replace(env=globals_, global_args=globals_, origins=origins)
        declared = self.declared_args | {name}
        if value is None or name in _NON_ENV_ARGS:
            return self._replace(declared_args=declared)
        return self._replace(
            env=_frozen({**self.env, name: value}),
            origins=_frozen({**self.origins, name: "arg"}),
            declared_args=declared,
            guessed=self.guessed | {name} if guess else self.guessed - {name},
        )

    def with_env(self, pairs: Iterable[tuple[str, str]], *, unresolved: Unresolved | None = None) -> Scope:
        """After one ``ENV`` instruction with these raw ``(key, value)`` pairs (quotes kept).

        Keys and values are expanded against the variables before the instruction, all of
        them, as BuildKit does.  Raises :class:`ExpansionError` where BuildKit fails.
        """
        resolved = []
        for raw_key, raw_value in pairs:
            key = process_word(raw_key, self.env, self.escape, unresolved=unresolved)
            resolved.append((key, *self._expand_tracked(raw_value, unresolved)))
        if not resolved:
            return self
        env = dict(self.env)
        origins = dict(self.origins)
        guessed = set(self.guessed)
        for key, value, guess in resolved:
            env[key] = value
            origins[key] = "env"
            (guessed.add if guess else guessed.discard)(key)
        return self._replace(env=_frozen(env), origins=_frozen(origins), guessed=frozenset(guessed))

    def _expand_tracked(self, raw: str, unresolved: Unresolved | None) -> tuple[str, bool]:
        """Expand ``raw``; the flag says the result rests on a guess: a guessed variable, or an
        unset one the base image might define."""
        missing: list[str] = []

        def report(name: str) -> None:
            missing.append(name)
            if unresolved is not None:
                unresolved(name)

        value = process_word(raw, self.env, self.escape, unresolved=report)
        guess = bool(missing) and not self.base_env_known
        if not guess and self.guessed:
            guess = not self.guessed.isdisjoint(referenced_names(raw, self.escape))
        return value, guess
