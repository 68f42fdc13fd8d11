"""A Dockerfile parser that reads files exactly as BuildKit does, with exact spans.

The logic follows BuildKit's ``frontend/dockerfile/parser`` (parser.go, line_parsers.go,
split_command.go, directives.go) rule for rule, so that what layerlint analyses is what
``docker build`` would build: parser directives only at the top, the escape token, comment
and blank lines inside continuations dropped, a continuation at end of file kept, ``\\\\`` at
line end *not* a continuation, heredocs read after the line that opens them, exec form only
for valid JSON string arrays.  Unlike BuildKit it never stops at the first error: each
problem becomes a ``SyntaxIssue`` and parsing resumes at the next line, so an editor still
sees every other instruction.
"""

from __future__ import annotations

import re

from layerlint.expand import unquote
from layerlint.lazyre import lazy
from layerlint.model import (
    Comment,
    Directive,
    Dockerfile,
    Flag,
    Heredoc,
    Instruction,
    KeyValue,
    Mapped,
    SyntaxIssue,
    Word,
)
from layerlint.source import SourceFile, Span

# Instructions BuildKit knows (frontend/dockerfile/command/command.go).
KNOWN = frozenset(
    "ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE FROM HEALTHCHECK LABEL MAINTAINER ONBUILD RUN "
    "SHELL STOPSIGNAL USER VOLUME WORKDIR".split()
)
HEREDOC_INSTRUCTIONS = frozenset({"ADD", "COPY", "RUN"})

# Flags each instruction accepts (frontend/dockerfile/instructions/parse.go and the
# labs/experimental additions); anything else is BuildKit's "unknown flag" error.
ALLOWED_FLAGS: dict[str, frozenset[str]] = {
    "FROM": frozenset({"platform"}),
    "RUN": frozenset({"mount", "network", "security", "device"}),
    "COPY": frozenset({"from", "chown", "chmod", "link", "parents", "exclude"}),
    "ADD": frozenset({"chown", "chmod", "link", "checksum", "keep-git-dir", "exclude", "unpack", "parents"}),
    "HEALTHCHECK": frozenset({"interval", "timeout", "start-period", "start-interval", "retries"}),
}

_WS = " \t\v\f\r"  # BuildKit's reWhitespace / tokenWhitespace class
_WS_RE = lazy(r"[\t\v\f\r ]+")
_DIRECTIVE_RE = lazy(r"^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
_HEREDOC_RE = lazy(r"^(\d*)<<(-?)\s*([^<]*)$", re.S)
_VALID_DIRECTIVES = frozenset({"syntax", "escape", "check"})


def parse(source: SourceFile) -> Dockerfile:
    """Parse a decoded file; never raises on bad input (errors are in ``Dockerfile.errors``)."""
    return _Parser(source).run()


def parse_text(text: str, path: str = "Dockerfile") -> Dockerfile:
    """Parse text directly (tests, stdin, the language server)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return parse(SourceFile(path, text))


# --------------------------------------------------------------------------- lines


class _Line:
    """One physical line: ``start``/``end`` bound its content without the line terminator."""

    __slots__ = ("start", "end", "next")

    def __init__(self, start: int, end: int, next_start: int) -> None:
        self.start = start
        self.end = end
        self.next = next_start


def _split_lines(text: str) -> list[_Line]:
    """Split on ``\\n`` only, as BuildKit's scanner does; trailing ``\\r`` are not content."""
    lines: list[_Line] = []
    pos = 0
    n = len(text)
    while pos < n:
        nl = text.find("\n", pos)
        nxt = n if nl == -1 else nl + 1
        end = n if nl == -1 else nl
        while end > pos and text[end - 1] in "\r\n":
            end -= 1
        lines.append(_Line(pos, end, nxt))
        pos = nxt
    return lines


def _trim_continuation(s: str, escape: str) -> tuple[str, bool]:
    """BuildKit's ``trimContinuationCharacter``: (text, is_end_of_line).

    The escape token is a continuation when it is the last non-blank character and either
    starts the line or follows a character that is not itself the escape token.
    """
    stripped = s.rstrip(" \t")
    if not stripped.endswith(escape):
        return s, True
    idx = len(stripped) - 1
    if idx == 0 or stripped[idx - 1] != escape:
        return stripped[:idx], False
    return s, True


# --------------------------------------------------------------------------- words


def _scan_word(text: str, i: int, escape: str, raw: bool) -> tuple[str, int, bool]:
    """One word from ``text[i]`` (not blank) to the next unquoted blank: (word, end, had_quotes).

    BuildKit scans words twice with the same state machine: ``parseWords`` keeps quotes and
    escape characters (``raw``; the escape is inert inside single quotes) and
    ``extractBuilderFlags`` removes them (the escape works in both kinds of quotes).  An
    escape character at the very end of the text is dropped.
    """
    n = len(text)
    buf: list[str] = []
    quote = ""
    quoted = False
    while i < n:
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
                if raw:
                    buf.append(ch)
                i += 1
                continue
            if ch == escape and (not raw or quote != "'"):
                if i + 1 == n:
                    quote = ""
                    i += 1
                    continue
                if raw:
                    buf.append(ch)
                i += 1
                ch = text[i]
            buf.append(ch)
            i += 1
            continue
        if ch.isspace():
            break
        if ch in "'\"":
            quote = ch
            quoted = True
            if raw:
                buf.append(ch)
            i += 1
            continue
        if ch == escape:
            if i + 1 == n:
                i += 1
                continue
            if raw:
                buf.append(ch)
            i += 1
            ch = text[i]
        buf.append(ch)
        i += 1
    return "".join(buf), i, quoted


def _parse_words(rest: str, escape: str) -> list[tuple[str, int, int]]:
    """BuildKit's ``parseWords``: whitespace-separated words, quotes and escapes kept raw.

    Returns ``(word, start, end)`` with positions in ``rest``.
    """
    words: list[tuple[str, int, int]] = []
    i = 0
    n = len(rest)
    while i < n:
        while i < n and rest[i].isspace():
            i += 1
        if i >= n:
            break
        start = i
        word, i, quoted = _scan_word(rest, i, escape, raw=True)
        if quoted or word:
            words.append((word, start, i))
    return words


def _whitespace_words(rest: str) -> list[tuple[str, int, int]]:
    """BuildKit's ``parseStringsWhitespaceDelimited`` on an already trimmed string."""
    if not rest:
        return []
    out: list[tuple[str, int, int]] = []
    pos = 0
    for m in _WS_RE.finditer(rest):
        out.append((rest[pos : m.start()], pos, m.start()))
        pos = m.end()
    out.append((rest[pos:], pos, len(rest)))
    return out


def _extract_flags(line: str) -> tuple[int, list[tuple[str, int, int]]]:
    """BuildKit's ``extractBuilderFlags``: leading ``--flag`` words.

    Returns the index where the arguments start and ``(flag_text, start, end)`` for each
    flag, where ``flag_text`` has quotes and backslash escapes removed; a bare ``--`` ends
    the flags.
    """
    flags: list[tuple[str, int, int]] = []
    i = 0
    n = len(line)
    while True:
        while i < n and line[i].isspace():
            i += 1
        if i >= n:
            return n, flags
        if not line.startswith("--", i):
            return i, flags
        start = i
        word, i, quoted = _scan_word(line, i, "\\", raw=False)
        if word == "--":
            return i, flags
        if quoted or word:
            flags.append((word, start, i))


def _json_array(rest: str) -> tuple[list[tuple[str, int, int]] | None, str | None]:
    """Try BuildKit's ``parseJSON``: (elements with positions, error).

    ``(None, None)`` means "not JSON, fall back to shell form"; an error string means the
    text is a JSON array whose elements are not all strings, which BuildKit rejects.
    """
    stripped = rest.lstrip()
    if not stripped.startswith("["):
        return None, None
    import json  # only exec-form lines need it: json's import is start-up time every run pays

    try:
        value = json.loads(stripped)
    except (ValueError, RecursionError):
        return None, None
    if not isinstance(value, list):
        return None, None
    if not all(isinstance(v, str) for v in value):
        return None, "when using JSON array syntax, arrays must be comprised of strings only"
    offset = len(rest) - len(stripped)
    positions = _json_string_positions(stripped)
    if len(positions) != len(value):  # pragma: no cover - json.loads already validated
        positions = [(0, len(stripped))] * len(value)
    out = []
    for v, (s, e) in zip(value, positions):
        v = v.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        out.append((v, s + offset, e + offset))
    return out, None


def _json_string_positions(text: str) -> list[tuple[int, int]]:
    """Start/end of each top-level string literal of a valid JSON array."""
    out: list[tuple[int, int]] = []
    i = 0
    n = len(text)
    depth = 0
    while i < n:
        ch = text[i]
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == '"':
            start = i
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            if depth == 1:
                out.append((start, i + 1))
        i += 1
    return out


def _heredoc_words(line: str) -> list[tuple[str, int, int]]:
    """Words of a line as BuildKit's raw lexer sees them when looking for heredocs.

    Quotes and escapes stay in the word; ``<<`` (optionally ``<<-``) followed by blanks joins
    the next word, so ``<<  EOF`` and ``<< -EOF`` are single heredoc words.
    """
    words: list[tuple[str, int, int]] = []
    i = 0
    n = len(line)
    while i < n:
        while i < n and line[i] in _WS + "\n":
            i += 1
        if i >= n:
            break
        start = i
        quote = ""
        while i < n:
            ch = line[i]
            if quote:
                if ch == quote:
                    quote = ""
                elif ch == "\\" and quote == '"' and i + 1 < n:
                    i += 1
                i += 1
                continue
            if ch in _WS + "\n":
                break
            if ch in "'\"":
                quote = ch
            elif ch == "\\" and i + 1 < n:
                i += 1
            elif line.startswith("<<", i) and not line.startswith("<<<", i):
                i += 2
                if i < n and line[i] == "-":
                    i += 1
                j = i
                while j < n and line[j] in " \t":
                    j += 1
                if j < n and j > i:
                    i = j
                continue
            i += 1
        words.append((line[start:i], start, i))
    return words


def parse_heredoc_word(word: str) -> tuple[str, bool, bool, int] | None:
    """BuildKit's ``ParseHeredoc`` on one word: (name, expand, chomp, fd), or None.

    Raises ``ValueError`` for a marker whose delimiter has an unterminated quote.
    """
    m = _HEREDOC_RE.match(word)
    if not m or not m.group(3):
        return None
    name, expand, err = _heredoc_name(m.group(3))
    if err:
        raise ValueError(err)
    if name is None:
        return None
    return name, expand, m.group(2) == "-", int(m.group(1) or 0)


def _heredoc_name(rest: str) -> tuple[str | None, bool, str | None]:
    """BuildKit's ``heredocFromMatch`` for the text after ``<<``: (name, expand, error).

    BuildKit lexes the delimiter twice, with and without quote removal, and expands the
    body only when both give the same number of quote characters, i.e. when no quote
    character acted as a quote.  Tracking "a quote acted" directly gives the same answer.
    """
    words = _parse_words(rest, "\\")
    if len(words) != 1:
        return None, True, None
    raw = words[0][0]
    out: list[str] = []
    quote = ""
    quoted = False
    i = 0
    n = len(raw)
    while i < n:
        ch = raw[i]
        if quote == "'":
            if ch == "'":
                quote = ""
            else:
                out.append(ch)
        elif quote == '"':
            if ch == '"':
                quote = ""
            elif ch == "\\" and i + 1 < n and raw[i + 1] in '"\\$`':
                i += 1
                out.append(raw[i])
            else:
                out.append(ch)
        elif ch in "'\"":
            quote = ch
            quoted = True
        elif ch == "\\" and i + 1 < n:
            i += 1
            out.append(raw[i])
        else:
            out.append(ch)
        i += 1
    if quote:
        return None, True, "unterminated quote in heredoc delimiter"
    return "".join(out), not quoted, None


# --------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.text = source.text
        self.lines = _split_lines(self.text)
        self.escape = "\\"
        self.directives_done = False
        self.seen_directives: set[str] = set()
        self.directives: list[Directive] = []
        self.comments: list[Comment] = []
        self.errors: list[SyntaxIssue] = []
        self.instructions: list[Instruction] = []

    def error(self, message: str, start: int, end: int, level: str = "parse") -> None:
        self.errors.append(SyntaxIssue(message, Span(start, max(start, end)), level))

    # BuildKit's DirectiveParser.ParseLine, applied to every line until the first miss.
    def directive(self, line: _Line, content: str, lead: int) -> bool:
        if self.directives_done:
            return False
        if not content.startswith("#"):
            self.directives_done = True
            return False
        body = content[1:].lstrip()
        m = _DIRECTIVE_RE.match(body)
        if not m or m.group(1).lower() not in _VALID_DIRECTIVES:
            self.directives_done = True
            return False
        key = m.group(1).lower()
        value = m.group(2)
        span_start, span_end = line.start + lead, line.end
        if key in self.seen_directives:
            self.error(f"only one {key} parser directive can be used", span_start, span_end)
            return True
        self.seen_directives.add(key)
        if key == "escape":
            if value not in ("\\", "`"):
                self.error(f"invalid escape token '{value}' does not match ` or \\", span_start, span_end)
                return True
            self.escape = value
        self.directives.append(Directive(key, value, Span(span_start, span_end)))
        return True

    def run(self) -> Dockerfile:
        lines = self.lines
        text = self.text
        i = 0
        n = len(lines)
        while i < n:
            line = lines[i]
            raw = text[line.start : line.end]
            content = raw.lstrip()
            lead = len(raw) - len(content)
            if self.directive(line, content, lead):
                i += 1
                continue
            if content.startswith("#"):
                self.comments.append(Comment(content[1:].strip(), Span(line.start + lead, line.end)))
                content = ""
            joined, is_end = _trim_continuation(content, self.escape)
            if is_end and joined == "":
                i += 1
                continue
            pieces: list[tuple[int, int]] = [(0, line.start + lead)]
            while not is_end and i + 1 < n:
                i += 1
                cont = lines[i]
                craw = text[cont.start : cont.end]
                cstripped = craw.lstrip()
                if cstripped.startswith("#"):
                    self.comments.append(
                        Comment(cstripped[1:].strip(), Span(cont.start + len(craw) - len(cstripped), cont.end))
                    )
                    continue
                if not cstripped:
                    continue
                part, is_end = _trim_continuation(craw, self.escape)
                pieces.append((len(joined), cont.start))
                joined += part
            mapped = Mapped(joined, tuple(pieces))
            end = lines[i].end
            instruction, heredoc_specs = self.instruction(mapped, Span(line.start + lead, end))
            if heredoc_specs:
                instruction, i = self.read_heredocs(instruction, heredoc_specs, i)
            self.instructions.append(_with_index(instruction, len(self.instructions)))
            i += 1
        if not self.instructions:
            pos = len(text)
            self.error("file with no instructions", pos, pos)
        return Dockerfile(
            source=self.source,
            instructions=tuple(self.instructions),
            directives=tuple(self.directives),
            comments=tuple(self.comments),
            errors=tuple(self.errors),
            escape=self.escape,
        )

    # ------------------------------------------------------------ one instruction

    def instruction(self, mapped: Mapped, span: Span) -> tuple[Instruction, list[tuple[str, bool, bool, int, Span]]]:
        """BuildKit's ``newNodeFromLine`` plus heredoc detection on the joined line."""
        line = mapped.text
        kw_start = len(line) - len(line.lstrip())
        m = _WS_RE.search(line, kw_start)
        stripped_end = len(line.rstrip())
        kw_end = m.start() if m and m.start() < stripped_end else stripped_end
        keyword_raw = line[kw_start:kw_end]
        keyword = keyword_raw.upper()
        rest_start = m.end() if m and m.start() < stripped_end else stripped_end
        instruction = self.build(mapped, span, keyword, keyword_raw, kw_start, kw_end, rest_start, stripped_end)
        specs: list[tuple[str, bool, bool, int, Span]] = []
        target = instruction.inner if instruction.inner is not None else instruction
        if target.keyword in HEREDOC_INSTRUCTIONS and not target.exec_form and "<<" in line:
            for word, ws, we in _heredoc_words(line):
                wspan = mapped.span(ws, we)
                try:
                    found = parse_heredoc_word(word)
                except ValueError as exc:
                    self.error(str(exc), wspan.start, wspan.end)
                    continue
                if found is not None:
                    specs.append((*found, wspan))
        return instruction, specs

    def build(
        self,
        mapped: Mapped,
        span: Span,
        keyword: str,
        keyword_raw: str,
        kw_start: int,
        kw_end: int,
        rest_start: int,
        rest_end: int,
    ) -> Instruction:
        line = mapped.text
        rest_all = line[rest_start:rest_end]
        args_offset, raw_flags = _extract_flags(rest_all)
        flags = []
        for text, fs, fe in raw_flags:
            body = text[2:]
            name, eq, value = body.partition("=")
            flags.append(Flag(name, value if eq else None, mapped.span(rest_start + fs, rest_start + fe), line[rest_start + fs : rest_start + fe]))
        arg_start = rest_start + args_offset
        args_text = line[arg_start:rest_end].strip()
        arg_start += len(line[arg_start:rest_end]) - len(line[arg_start:rest_end].lstrip())
        command = Mapped(args_text, _sub_pieces(mapped, arg_start, arg_start + len(args_text)))

        args: list[Word] = []
        pairs: list[KeyValue] = []
        exec_form = False
        inner: Instruction | None = None
        escape = self.escape

        def word(text: str, s: int, e: int, value: str | None = None) -> Word:
            return Word(text, unquote(text, escape) if value is None else value, mapped.span(arg_start + s, arg_start + e))

        if keyword in ("RUN", "CMD", "ENTRYPOINT", "SHELL"):
            exec_form = self.maybe_json(args_text, arg_start, mapped, args, span, whole=True)
        elif keyword in ("ADD", "COPY", "VOLUME"):
            exec_form = self.maybe_json(args_text, arg_start, mapped, args, span, whole=False)
        elif keyword in ("FROM", "EXPOSE"):
            args.extend(word(t, s, e) for t, s, e in _whitespace_words(args_text))
        elif keyword in ("USER", "WORKDIR", "STOPSIGNAL", "MAINTAINER"):
            if args_text:
                args.append(word(args_text, 0, len(args_text)))
        elif keyword in ("ENV", "LABEL"):
            self.name_values(keyword, args_text, arg_start, mapped, pairs, args)
        elif keyword == "ARG":
            for t, s, e in _parse_words(args_text, escape):
                args.append(word(t, s, e))
                key, eq, value = t.partition("=")
                kspan = mapped.span(arg_start + s, arg_start + s + len(key))
                vspan = mapped.span(arg_start + s + len(key) + 1, arg_start + e) if eq else None
                pairs.append(KeyValue(key, value if eq else None, eq, mapped.span(arg_start + s, arg_start + e), kspan, vspan))
        elif keyword == "HEALTHCHECK":
            m = re.match(r"\S+", args_text)
            if m:
                args.append(word(m.group(0), 0, m.end(), m.group(0)))
                sub = args_text[m.end() :]
                lead = len(sub) - len(sub.lstrip())
                exec_form = self.maybe_json(sub.strip(), arg_start + m.end() + lead, mapped, args, span, whole=True)
        elif keyword == "ONBUILD":
            if args_text:
                sub_mapped = command
                sub_line = sub_mapped.text
                m = _WS_RE.search(sub_line)
                kend = m.start() if m else len(sub_line)
                rstart = m.end() if m else len(sub_line)
                kraw = sub_line[:kend]
                inner = self.build(sub_mapped, span, kraw.upper(), kraw, 0, kend, rstart, len(sub_line.rstrip()))
                # ONBUILD ONBUILD/FROM/MAINTAINER is reported by its own rule (LL005), not here.
        elif keyword not in KNOWN:
            self.error(f"unknown instruction: {keyword_raw}", *_bounds(mapped.span(kw_start, kw_end)), "instruction")
        instruction = Instruction(
            keyword=keyword,
            keyword_raw=keyword_raw,
            span=span,
            keyword_span=mapped.span(kw_start, kw_end),
            flags=tuple(flags),
            args=tuple(args),
            command=command,
            exec_form=exec_form,
            pairs=tuple(pairs),
            inner=inner,
        )
        self.validate(instruction)
        return instruction

    def maybe_json(
        self, text: str, offset: int, mapped: Mapped, args: list[Word], span: Span, *, whole: bool
    ) -> bool:
        """``parseMaybeJSON`` (``whole``) or ``parseMaybeJSONToList``: True for exec form."""
        if not text:
            return False
        elements, err = _json_array(text)
        if elements is not None:
            args.extend(Word(text[s:e], v, mapped.span(offset + s, offset + e)) for v, s, e in elements)
            return True
        if err:
            self.error(err, *_bounds(mapped.span(offset, offset + len(text))))
        if whole:
            args.append(Word(text, text, mapped.span(offset, offset + len(text))))
        else:
            args.extend(
                Word(t, unquote(t, self.escape), mapped.span(offset + s, offset + e)) for t, s, e in _whitespace_words(text)
            )
        return False

    def name_values(
        self, keyword: str, text: str, offset: int, mapped: Mapped, pairs: list[KeyValue], args: list[Word]
    ) -> None:
        """BuildKit's ``parseNameVal`` for ENV and LABEL (modern ``k=v`` and legacy ``k v``)."""
        words = _parse_words(text, self.escape)
        if not words:
            if keyword == "ENV":
                self.error("ENV requires at least one argument", *_bounds(mapped.span(offset, offset)))
            return
        if "=" not in words[0][0]:
            m = _WS_RE.search(text)
            if not m:
                self.error(f"{keyword} must have two arguments", *_bounds(mapped.span(offset, offset + len(text))))
                return
            key, value = text[: m.start()], text[m.end() :]
            pairs.append(
                KeyValue(
                    key,
                    value,
                    "",
                    mapped.span(offset, offset + len(text)),
                    mapped.span(offset, offset + m.start()),
                    mapped.span(offset + m.end(), offset + len(text)),
                )
            )
            return
        for t, s, e in words:
            if "=" not in t:
                self.error(
                    f"Syntax error - can't find = in {t!r}. Must be of the form: name=value",
                    *_bounds(mapped.span(offset + s, offset + e)),
                )
                continue
            key, _, value = t.partition("=")
            ks = offset + s
            pairs.append(
                KeyValue(
                    key,
                    value,
                    "=",
                    mapped.span(ks, offset + e),
                    mapped.span(ks, ks + len(key)),
                    mapped.span(ks + len(key) + 1, offset + e),
                )
            )

    def validate(self, ins: Instruction) -> None:
        """The argument checks BuildKit's ``instructions.Parse`` makes before any build."""
        allowed = ALLOWED_FLAGS.get(ins.keyword, frozenset())
        if ins.keyword in KNOWN:
            for f in ins.flags:
                if f.name not in allowed:
                    self.error(f"unknown flag: {f.name}", f.span.start, f.span.end, "instruction")
        where = (ins.keyword_span.start, ins.span.end)
        n = len(ins.args)
        if ins.keyword == "FROM" and n not in (1, 3):
            self.error("FROM requires either one or three arguments", *where, level="instruction")
        elif ins.keyword == "FROM" and n == 3 and ins.args[1].raw.upper() != "AS":
            self.error("FROM requires either one or three arguments", *where, level="instruction")
        elif ins.keyword in ("COPY", "ADD") and n < 2:
            self.error(f"{ins.keyword} requires at least two arguments, but only {n} provided", *where, level="instruction")
        elif ins.keyword in ("WORKDIR", "USER", "STOPSIGNAL", "MAINTAINER", "EXPOSE", "VOLUME", "ARG") and n == 0:
            self.error(f"{ins.keyword} requires at least one argument", *where, level="instruction")
        elif ins.keyword == "HEALTHCHECK" and n and ins.args[0].raw.upper() not in ("CMD", "NONE"):
            self.error(f"unknown type for healthcheck: {ins.args[0].raw}", *where, level="instruction")
        elif ins.keyword == "ONBUILD" and ins.inner is None:
            self.error("ONBUILD requires at least one argument", *where, level="instruction")

    # ------------------------------------------------------------ heredocs

    def read_heredocs(
        self, instruction: Instruction, specs: list[tuple[str, bool, bool, int, Span]], i: int
    ) -> tuple[Instruction, int]:
        """Read heredoc bodies from the lines after the instruction, in order."""
        lines = self.lines
        text = self.text
        docs: list[Heredoc] = []
        for name, expand, chomp, fd, wspan in specs:
            body_start = lines[i].next
            parts: list[str] = []
            terminated = False
            while i + 1 < len(lines):
                i += 1
                ln = lines[i]
                candidate = text[ln.start : ln.end]
                if chomp:
                    candidate = candidate.lstrip("\t")
                if candidate == name:
                    terminated = True
                    break
                parts.append(text[ln.start : ln.next])
            end = lines[i].end if terminated else len(text)
            if not terminated:
                self.error(f"unterminated heredoc {name}", wspan.start, wspan.end)
                i = len(lines) - 1
            body_end = lines[i].start if terminated else len(text)
            body_start = min(body_start, body_end)
            docs.append(
                Heredoc(
                    name=name,
                    content="".join(parts),
                    expand=expand,
                    chomp=chomp,
                    file_descriptor=fd,
                    word_span=wspan,
                    body_span=Span(body_start, body_end),
                    span=Span(body_start, max(body_start, end)),
                )
            )
        span = Span(instruction.span.start, max(instruction.span.end, docs[-1].span.end))
        if instruction.inner is not None:
            inner = _replace(instruction.inner, heredocs=tuple(docs), span=span)
            return _replace(instruction, inner=inner, span=span, heredocs=tuple(docs)), i
        return _replace(instruction, heredocs=tuple(docs), span=span), i


def _bounds(span: Span) -> tuple[int, int]:
    return span.start, span.end


def _sub_pieces(mapped: Mapped, start: int, end: int) -> tuple[tuple[int, int], ...]:
    """The piece map of ``mapped.text[start:end]``, re-based to start at 0."""
    out: list[tuple[int, int]] = [(0, mapped.to_source(start))]
    for text_start, source_start in mapped.pieces:
        if start < text_start < end:
            out.append((text_start - start, source_start))
    return tuple(out)


def _replace(ins: Instruction, **changes: object) -> Instruction:
    return ins._replace(**changes)  # type: ignore[no-any-return]


def _with_index(ins: Instruction, index: int) -> Instruction:
    if ins.inner is not None:
        return _replace(ins, index=index, inner=_replace(ins.inner, index=index))
    return _replace(ins, index=index)
