"""Render a parsed Dockerfile as BuildKit's parser AST dump, to compare with its fixtures."""

from __future__ import annotations

from layerlint.model import Dockerfile, Instruction


def go_quote(s: str) -> str:
    """Go's ``strconv.Quote``: printable Unicode kept, everything else escaped."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in "\a\b\f\n\r\t\v":
            out.append({"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}[ch])
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\x{o:02x}")
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        elif o < 0x10000:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
    out.append('"')
    return "".join(out)


def dump_instruction(ins: Instruction) -> str:
    parts = [ins.keyword.lower()]
    if ins.flags:
        parts.append("[" + " ".join(go_quote(f.text) for f in ins.flags) + "]")
    if ins.keyword == "ONBUILD" and ins.inner is not None:
        parts.append("(" + dump_instruction(ins.inner) + ")")
    elif ins.keyword in ("ENV", "LABEL"):
        for p in ins.pairs:
            parts.extend(go_quote(x) for x in (p.key, p.value or "", p.sep))
    elif ins.keyword not in KNOWN_DUMP:
        parts.append('""')
    else:
        parts.extend(go_quote(w.raw if not ins.exec_form or i < skip(ins) else w.value) for i, w in enumerate(ins.args))
    return " ".join(parts)


def skip(ins: Instruction) -> int:
    return 1 if ins.keyword == "HEALTHCHECK" else 0


KNOWN_DUMP = frozenset(
    "ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE FROM HEALTHCHECK LABEL MAINTAINER ONBUILD RUN "
    "SHELL STOPSIGNAL USER VOLUME WORKDIR".split()
)


def dump(df: Dockerfile) -> str:
    return "".join(f"({dump_instruction(i)})\n" for i in df.instructions)
