"""How to write a fix into a Dockerfile without breaking it, so checks only say *what* to change.

A check knows the cure ("remove the apt lists at the end of this RUN"); the helpers here know
where the end of a RUN is once continuations, heredocs, ``;``-joined scripts and trailing
comments are involved, how the file writes its continuations, and how to quote a value for
the file's escape character.  Each helper returns ``None`` rather than a doubtful edit, and
every edit it proposes to a shell script is checked by re-parsing the result: the added
command must come out as one more ``&&`` step of the script's last statement.

Edits keep the file's style: replacement text uses ``\\n`` (the applier turns it into the
file's line ending), continuations use the file's escape character and the indentation its
other continuation lines use, and nothing outside the edited spans is re-indented.
"""

from __future__ import annotations

import re

from layerlint.lazyre import lazy
from layerlint.rule import Edit, Fix, Safety
from layerlint.source import Span

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tree_sitter import Node

    from layerlint.model import Instruction, Mapped, Word
    from layerlint.rule import RuleContext
    from layerlint.shell import ShellWord
    from layerlint.source import SourceFile

__all__ = [
    "append_to_run",
    "continuation_style",
    "delete_instruction",
    "dockerfile_string",
    "exec_form",
    "from_scratch",
    "hides_comment",
    "insert_after",
    "join_runs",
    "joined_text",
    "requote",
    "rooted",
    "run_end",
    "runs_as_root",
    "shell_words",
]

# --------------------------------------------------------------------------- small edits


def insert_after(at: Span | ShellWord | Word, text: str, title: str, safety: Safety = Safety.SAFE) -> Fix:
    """A fix that inserts `` text`` right after a word or span (a flag after ``install``, after ``COPY``)."""
    end = at.end if isinstance(at, Span) else at.span.end
    return Fix(title, (Edit(Span(end, end), " " + text),), safety)


def delete_instruction(source: SourceFile, ins: Instruction) -> Edit:
    """Remove an instruction's whole lines (heredoc bodies included) and their line break.

    The last line of a file without a final line break takes the break before it instead,
    so no empty line is left behind.
    """
    text = source.text
    start = text.rfind("\n", 0, ins.span.start) + 1
    nl = text.find("\n", ins.span.end)
    if nl != -1:
        return Edit(Span(start, nl + 1), "")
    if start > 0:  # last line: take the preceding line break (and its \r) instead
        start -= 2 if text[start - 2 : start] == "\r\n" else 1
    return Edit(Span(start, len(text)), "")


def hides_comment(ctx: RuleContext, span: Span) -> bool:
    """Whether a comment line sits inside ``span`` (a continuation skips it): replacing the span would drop it."""
    return any(span.start <= c.span.start < span.end for c in ctx.dockerfile.comments)


def dockerfile_string(value: str, escape: str) -> str:
    """``value`` as a double-quoted Dockerfile word (ENV, LABEL) that BuildKit reads back unchanged.

    Inside double quotes BuildKit's word lexer lets the escape token escape ``"``, ``$`` and
    itself only, so those three get the file's escape token (``\\`` or a backtick).
    """
    out = []
    for c in value:
        if c in ('"', "$", escape):
            out.append(escape)
        out.append(c)
    return '"' + "".join(out) + '"'


def requote(raw: str, escape: str) -> str | None:
    """A word as written (quotes and escapes kept) rewritten as one double-quoted word with the same value.

    Follows BuildKit's word lexer: outside quotes the escape token escapes any character,
    inside single quotes nothing is special, inside double quotes only ``"``, ``$`` and the
    escape token can be escaped.  Whitespace, which split the old word, is kept literally;
    ``$`` expands the same inside double quotes.  None for an unterminated quote.
    """
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c == escape:
            if i + 1 < n:
                nxt = raw[i + 1]
                out.append(escape + nxt if nxt in ('"', "$", escape) else nxt)
            i += 2
        elif c == "'":
            j = raw.find("'", i + 1)
            if j == -1:
                return None
            out.append(dockerfile_string(raw[i + 1 : j], escape)[1:-1])
            i = j + 1
        elif c == '"':
            j = i + 1
            while j < n and raw[j] != '"':
                j += 2 if raw[j] == escape else 1
            if j >= n:
                return None
            out.append(raw[i + 1 : j])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return '"' + "".join(out) + '"'


def from_scratch(ctx: RuleContext, ins: Instruction) -> bool:
    """Whether ``ins``'s image starts from ``scratch``, whose working directory is ``/`` (known)."""
    from layerlint.build import lineage

    stage = ctx.stage_of(ins)
    return stage is not None and lineage(ctx.build, stage)[0].base_expanded.strip().lower() == "scratch"


def rooted(path: str) -> str | None:
    """A relative path resolved against ``/`` as BuildKit joins it (trailing ``/`` kept), or None.

    None when the result would need quoting or escaping in a Dockerfile word.
    """
    import posixpath

    out = posixpath.normpath("/" + path)
    if path.endswith("/") and out != "/":
        out += "/"
    if out.startswith("//"):
        out = "/" + out.lstrip("/")
    if any(c.isspace() or c in "\\\"'`$" for c in out):
        return None
    return out


# --------------------------------------------------------------------------- exec form

# Words sh treats specially outside quotes: with any of them the command needs a shell.
_SHELL_CHARS = frozenset("|&;<>()$`*?[]{}~#\n\r")
# Builtins and keywords with no program of that name: exec form cannot run them.
_BUILTINS = frozenset(
    {
        "cd", "export", "source", ".", "set", "unset", "alias", "eval", "if", "for", "while", "until", "case",
        "trap", "ulimit", "umask", "wait", "read", "then", "do", "!", "{", "[[", "function", "select", "local",
        "declare", "typeset", "readonly", "shift", "return", "break", "continue", "exit",
    }
)  # fmt: skip
_ASSIGNMENT = lazy(r"^[A-Za-z_][A-Za-z0-9_]*\+?=")


def shell_words(text: str) -> list[str] | None:
    """The argv sh would run for ``text``, or None when ``text`` uses anything beyond words and quotes.

    Only plain words, ``'single'`` and ``"double"`` quotes (without ``$`` or backquotes inside)
    and backslash escapes are accepted: pipes, lists, redirections, variables, globs, braces,
    ``~``, comments and leading assignments all need a shell.  A leading ``exec`` is dropped
    (exec form already replaces the process); a shell builtin as the program gives None.
    """
    words: list[str] = []
    buf: list[str] = []
    have = False
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t":
            if have:
                words.append("".join(buf))
                buf, have = [], False
            i += 1
            continue
        have = True
        if c == "'":
            j = text.find("'", i + 1)
            if j == -1:
                return None
            buf.append(text[i + 1 : j])
            i = j + 1
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                c = text[i]
                if c in "$`":
                    return None
                if c == "\\" and i + 1 < n and text[i + 1] in '"\\':
                    i += 1
                    c = text[i]
                elif c == "\\" and i + 1 < n and text[i + 1] == "\n":
                    return None
                buf.append(c)
                i += 1
            if i >= n:
                return None
            i += 1
        elif c == "\\":
            if i + 1 >= n or text[i + 1] in "\n\r":
                return None
            buf.append(text[i + 1])
            i += 2
        elif c in _SHELL_CHARS:
            return None
        else:
            buf.append(c)
            i += 1
    if have:
        words.append("".join(buf))
    if words[:1] == ["exec"]:
        words = words[1:]
        if words and words[0].startswith("-"):
            return None  # `exec -a name prog`: options of exec itself
    if not words or words[0] in _BUILTINS or _ASSIGNMENT.match(words[0]) or not words[0]:
        return None
    return words


def exec_form(words: list[str]) -> str:
    """A JSON array as Dockerfiles write exec form: ``["nginx", "-g", "daemon off;"]``."""
    import json

    return json.dumps(words, ensure_ascii=False)


# --------------------------------------------------------------------------- the end of a RUN

_HEREDOC_ONLY = lazy(r"\s*\d*<<-?\s*(['\"]?)[^\s'\"<>|&;]+\1\s*")
_NEVER_RETURNS = frozenset({"exec", "exit", "return"})
# Nodes an `&&` chain may sit in: tree-sitter-bash nests the rest of a line that opens a
# heredoc (`cat <<EOF > f && next`) inside the heredoc_redirect node.
_JOINERS = frozenset({"list", "redirected_statement", "program", "heredoc_redirect"})


def _parse(text: str) -> tuple[bytes, Node]:
    from layerlint.shell import parse_tree

    return parse_tree(text)


def _char(data: bytes, byte: int) -> int:
    return len(data[:byte].decode("utf-8"))


def _byte(text: str, char: int) -> int:
    from layerlint.shell import tree_safe

    return len(tree_safe(text[:char]).encode("utf-8"))


def _command_name(node: Node) -> str:
    name = node.child_by_field_name("name")
    return name.text.decode("utf-8", "replace") if name is not None and name.text is not None else ""


def _last_statement_end(text: str, single: bool = False) -> int | None:
    """Character offset just after the last top-level statement of a script, or None.

    None when the script does not parse, ends in a background job (``a &``) or a function
    definition, or its last command never returns (``exec``, ``exit``); with ``single``, also
    when the script has more than one top-level statement.
    """
    data, root = _parse(text)
    if root.has_error:
        return None
    kids = root.children
    statements = [k for k, node in enumerate(kids) if node.is_named and node.type != "comment"]
    if not statements or (single and len(statements) > 1):
        return None
    last = statements[-1]
    node = kids[last]
    if node.type == "function_definition" or (last + 1 < len(kids) and kids[last + 1].type == "&"):
        return None
    tail = node
    while tail.type in ("list", "pipeline", "redirected_statement") and tail.named_children:
        tail = tail.named_children[-1] if tail.type != "redirected_statement" else tail.named_children[0]
    if tail.type == "command" and _command_name(tail) in _NEVER_RETURNS:
        return None
    end = _char(data, node.end_byte)
    while end > 0 and text[end - 1] in " \t\r\n":
        end -= 1
    return end


def _appends_cleanly(text: str, at: int, command: str) -> bool:
    """Whether ``text`` with `` && command`` inserted at ``at`` runs ``command`` after the whole script.

    The re-parsed script must be free of errors and hold ``command`` as the right-hand side
    of an ``&&`` whose left-hand side is everything before it at the top level.
    """
    new = text[:at] + " && " + command + text[at:]
    _, root = _parse(new)
    if root.has_error:
        return False
    start = _byte(new, at + 4)
    end = _byte(new, at + 4 + len(command))
    node = root
    while True:  # descend through joining nodes to the statement that starts at the insertion
        if node.type not in _JOINERS:
            return False
        inner = next((c for c in node.children if c.start_byte <= start < c.end_byte), None)
        if inner is None:
            return False
        if inner.start_byte == start:
            k = node.children.index(inner)
            return (
                inner.end_byte == end
                and node.type in ("list", "heredoc_redirect")
                and k > 0
                and node.children[k - 1].type == "&&"
            )
        node = inner


def joined_text(command: Mapped, span: Span) -> str | None:
    """The text of ``span`` as the instruction reads it: continuations joined, comment lines dropped."""
    text = command.text
    start = next((i for i in range(len(text)) if command.to_source(i) == span.start), None)
    if start is None:
        return None
    end = next((j for j in range(start + 1, len(text) + 1) if command.to_source(j - 1) + 1 == span.end), None)
    return text[start:end] if end is not None else None


def _source_end(command: Mapped, at: int) -> int:
    return command.to_source(at - 1) + 1 if at > 0 else command.to_source(0)


def run_end(ins: Instruction, command: str = "true") -> int | None:
    """Source offset where `` && command`` can end a shell-form RUN, or None.

    * plain RUN: after the last statement of the joined command, before a trailing comment
      or ``;`` and across continuation lines;
    * with heredocs the shell runs (``RUN <<EOF`` alone, ``RUN bash <<EOF``): at the end of
      the last such body's last statement, so the command runs last in the order the shell
      (and ``layerlint.ledger``) sees;
    * with data heredocs only (``cat <<EOF > f && apt-get ...``): at the end of the command
      line, which the shell reads before the bodies.

    Exec form, a body run by another interpreter, and any script where the re-parse does not
    show ``command`` running after everything else give None.
    """
    from layerlint.rule import heredoc_is_shell

    ins = ins.effective
    if ins.keyword != "RUN" or ins.exec_form:
        return None
    cmd = ins.command
    if not ins.heredocs:
        at = _last_statement_end(cmd.text)
        return _source_end(cmd, at) if at is not None and _appends_cleanly(cmd.text, at, command) else None
    scripts = [d for d in ins.heredocs if heredoc_is_shell(cmd.text, d.content)]
    if scripts:
        body = scripts[-1].content
        at = _last_statement_end(body)
        return scripts[-1].body_span.start + at if at is not None and _appends_cleanly(body, at, command) else None
    if _HEREDOC_ONLY.fullmatch(cmd.text):
        return None  # the body runs under another interpreter (a `#!` line)
    line = cmd.text.rstrip()
    full = line + "".join("\n" + d.content + ("" if d.content.endswith("\n") or not d.content else "\n") + d.name
                          for d in ins.heredocs)  # fmt: skip
    at = _last_statement_end(full)
    if at is None:
        return None
    at = min(at, len(line))
    return _source_end(cmd, at) if at > 0 and _appends_cleanly(full, at, command) else None


def runs_as_root(ctx: RuleContext, ins: Instruction) -> bool:
    """Whether the RUN's shell is POSIX and runs as root (a cleanup may need root)."""
    from layerlint.checks.compat_facts import is_posix_shell, shell_at
    from layerlint.ledger import ledger

    if not is_posix_shell(ctx, shell_at(ctx, ins)):
        return False
    return ledger(ctx).state(ins).user in ("root", "0", "")


def append_to_run(
    ctx: RuleContext, ins: Instruction, command: str, title: str, safety: Safety = Safety.SAFE
) -> Fix | None:
    """`` && command`` at the end of a RUN (a cleanup that must run after everything else).

    Only for a POSIX shell running as root: a cleanup such as ``rm -rf /var/lib/apt/lists/*``
    would fail, and fail the build, under another user.
    """
    if not runs_as_root(ctx, ins):
        return None
    at = run_end(ins, command)
    if at is None:
        return None
    return Fix(title, (Edit(Span(at, at), " && " + command),), safety)


# --------------------------------------------------------------------------- joining RUNs


def continuation_style(ctx: RuleContext) -> tuple[str, bool]:
    """The file's continuation indentation and whether lines start with ``&&`` (memoized).

    Read from the continuation lines of its RUN instructions: the most common indentation
    (four spaces when there is none), and "leading" when more lines start with ``&&`` than
    end with ``&& \\``.
    """
    return ctx.memo("fixes.continuation-style", lambda: _continuation_style(ctx))  # type: ignore[no-any-return]


def _continuation_style(ctx: RuleContext) -> tuple[str, bool]:
    from collections import Counter

    source, escape = ctx.source, ctx.dockerfile.escape
    indents: Counter[str] = Counter()
    leading = trailing = 0
    for ins in ctx.dockerfile.instructions:
        if ins.effective.keyword != "RUN":
            continue
        first = source.position(ins.span.start).line
        end = ins.effective.heredocs[0].span.start if ins.effective.heredocs else ins.span.end
        last = source.position(max(ins.span.start, end - 1)).line
        for n in range(first, last + 1):
            text = source.line_text(n)
            stripped = text.strip()
            if n > first and stripped and not stripped.startswith("#"):
                indents[text[: len(text) - len(text.lstrip())]] += 1
                leading += stripped.startswith("&&")
            if n < last and stripped.endswith(escape) and stripped[:-1].rstrip().endswith("&&"):
                trailing += 1
    indent = indents.most_common(1)[0][0] if indents else "    "
    return indent, leading > trailing


def join_runs(
    ctx: RuleContext, first: Instruction, second: Instruction, title: str, safety: Safety = Safety.UNSAFE
) -> Fix | None:
    """Merge ``second`` into ``first`` with ``&&`` and a continuation in the file's style.

    ``first`` ends in `` && \\`` (or ``\\`` when the file puts ``&&`` at line starts) with the
    file's escape character; ``second`` loses its keyword and flags (the caller checks they
    match) and takes the file's continuation indentation.  Comment lines between the two stay
    (BuildKit skips them inside a continuation); blank lines go (BuildKit warns about them).
    None for exec form, heredocs, a non-POSIX shell, or a first RUN whose last line does not
    end with its last statement (a trailing comment or ``;``).
    """
    from layerlint.checks.compat_facts import is_posix_shell, shell_at

    a, b = first.effective, second.effective
    if first.inner is not None or second.inner is not None or a.heredocs or b.heredocs or a.exec_form or b.exec_form:
        return None
    if _last_statement_end(b.command.text, single=True) is None or not is_posix_shell(ctx, shell_at(ctx, second)):
        return None  # `a && b; c` would run c even when a fails
    text = ctx.source.text
    at = run_end(a)
    if at is None or text[at : a.span.end].strip():
        return None
    indent, leading = continuation_style(ctx)
    escape = ctx.dockerfile.escape
    edits = [Edit(Span(at, a.span.end), f" {escape}" if leading else f" && {escape}")]
    line = text.find("\n", a.span.end) + 1
    start = text.rfind("\n", 0, b.span.start) + 1
    while 0 < line < start:
        nxt = text.find("\n", line) + 1
        if not text[line:nxt].strip():
            edits.append(Edit(Span(line, nxt), ""))
        line = nxt
    edits.append(Edit(Span(start, b.command.to_source(0)), indent + ("&& " if leading else "")))
    return Fix(title, tuple(edits), safety)
