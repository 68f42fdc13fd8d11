"""Image labels: well-formed keys, and a team's label schema (required labels and value formats).

The schema is hadolint's ``label-schema``: label name -> type, one of ``text``, ``url``,
``semver``, ``hash`` (a git commit), ``rfc3339``, ``spdx`` and ``email``.  Labels are read as
the build records them: quotes removed and ARG/ENV values expanded; a value resting on an
unknown variable is not judged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache

from layerlint.build import lineage
from layerlint.checks.compat_facts import expand
from layerlint.model import Build, Instruction, Stage
from layerlint.rule import Hit, RuleContext, check

# Patterns below are strings: re compiles (and caches) each on first use, not at import.
TYPE_CHECKING = False  # typing costs ms at start-up; only checkers need it
if TYPE_CHECKING:
    from typing import Any

    from layerlint.model import KeyValue


def image_stages(build: Build) -> list[Stage]:
    """Stages no other stage builds on or copies from: each is an image someone may build."""
    used: set[int] = set()
    for stage in build.stages:
        used |= stage.depends_on
        if stage.base_stage is not None:
            used.add(stage.base_stage)
    return [s for s in build.stages if s.index not in used]


def _unquoted(ctx: RuleContext, text: str) -> str:
    from layerlint.expand import unquote

    return unquote(text, ctx.dockerfile.escape)


def _labels(ins: Instruction) -> tuple[KeyValue, ...]:
    return ins.pairs if ins.keyword == "LABEL" and ins.inner is None else ()


# --------------------------------------------------------------------------- keys

_RESERVED = ("com.docker.", "io.docker.", "org.dockerproject.")
_KEY = r"[a-z](?:[a-z0-9.-]*[a-z0-9])?"


def _key_problem(key: str) -> str | None:
    if key.startswith(_RESERVED):
        return f"the `{key.split('.', 2)[0]}.{key.split('.', 2)[1]}` namespace is reserved for Docker's own labels"
    if not re.fullmatch(_KEY, key):
        return "keys use lower-case letters, digits, `.` and `-`, start with a letter and end with a letter or digit"
    if ".." in key or "--" in key or ".-" in key or "-." in key:
        return "separators `.` and `-` must not repeat"
    return None


@check("LL541", instructions=("LABEL",))
def invalid_label_key(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    for pair in _labels(ins):
        key = _unquoted(ctx, pair.key)
        problem = _key_problem(key)
        if problem is not None:
            yield ctx.hit(pair.key_span, f"label key `{key}` breaks Docker's naming convention: {problem}", None, ins)


# --------------------------------------------------------------------------- schema values

_SEMVER = (
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
)
_RFC3339 = r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))"
_HASH = r"[0-9a-f]{7,40}|[0-9a-f]{64}"
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_EMAIL = rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*"
_SCHEME = r"[A-Za-z][A-Za-z0-9+.-]*"


def _url(value: str) -> bool:
    from urllib.parse import urlsplit

    if any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return bool(re.fullmatch(_SCHEME, parts.scheme)) and bool(parts.netloc or parts.path)


def _rfc3339(value: str) -> bool:
    m = re.fullmatch(_RFC3339, value)
    if m is None:
        return False
    _, month, day, hour, minute, second, off_h, off_m = (int(g) if g else 0 for g in m.groups())
    return 1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second <= 60 and off_h < 24 and off_m < 60


@cache
def spdx_ids() -> frozenset[str]:
    """SPDX license identifiers (lower-cased), from ``layerlint/data/spdx-license-ids.txt``."""
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "data" / "spdx-license-ids.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


_SPDX_TOKEN = r"\s*(\(|\)|[A-Za-z0-9.+:-]+)"
_LICENSE_REF = r"(?:DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+"


def _spdx(value: str) -> bool:
    """An SPDX license expression: ids (``+`` allowed), ``AND``/``OR``, ``WITH exception``, parentheses."""
    tokens: list[str] = []
    pos, text = 0, value.rstrip()
    while pos < len(text):
        m = re.compile(_SPDX_TOKEN).match(text, pos)
        if m is None:
            return False
        tokens.append(m.group(1))
        pos = m.end()
    known = spdx_ids()
    at = 0

    def peek() -> str:
        return tokens[at] if at < len(tokens) else ""

    def operand() -> bool:
        nonlocal at
        token = peek()
        at += 1
        if token == "(":
            if not expression() or peek() != ")":
                return False
            at += 1
            return True
        if not (token.lower().rstrip("+") in known or re.fullmatch(_LICENSE_REF, token)):
            return False
        if peek().upper() == "WITH":
            at += 1
            exception = peek()
            at += 1
            return exception not in ("", "(", ")")
        return True

    def expression() -> bool:
        nonlocal at
        if not operand():
            return False
        while peek().upper() in ("AND", "OR"):
            at += 1
            if not operand():
                return False
        return True

    return expression() and at == len(tokens)


_FORMATS: dict[str, tuple[Callable[[str], bool], str]] = {
    "url": (_url, "a URL with a scheme"),
    "semver": (lambda v: re.fullmatch(_SEMVER, v) is not None, "a semantic version such as 1.4.2"),
    "hash": (lambda v: re.fullmatch(_HASH, v) is not None, "a git commit hash"),
    "rfc3339": (_rfc3339, "an RFC 3339 timestamp such as 2024-05-01T12:00:00Z"),
    "spdx": (_spdx, "an SPDX license expression such as Apache-2.0"),
    "email": (lambda v: re.fullmatch(_EMAIL, v) is not None, "an e-mail address"),
}


def _value_problem(kind: str, value: str) -> str | None:
    if value == "":
        return "is empty"
    check_fn = _FORMATS.get(kind)
    if check_fn is None or check_fn[0](value):
        return None
    return f"is `{value}`, not {check_fn[1]}"


def _schema(ctx: RuleContext) -> dict[str, str]:
    schema: Any = ctx.option("label-schema") or {}
    return {str(k): str(v).lower() for k, v in schema.items()} if isinstance(schema, dict) else {}


def _missing_labels(ctx: RuleContext, schema: dict[str, str]) -> Iterator[Hit]:
    for stage in image_stages(ctx.build):
        present = {
            _unquoted(ctx, pair.key)
            for s in lineage(ctx.build, stage)
            for ins in s.instructions
            for pair in _labels(ins)
        }
        ins = stage.from_instruction
        for name in schema:
            if name not in present:
                where = ins.args[0].span if ins.args else ins.keyword_span
                yield ctx.hit(where, f"the image built by this stage has no `{name}` label, which the label schema requires", None, ins)


@check("LL542")
def label_schema_violated(ctx: RuleContext) -> Iterator[Hit]:
    schema = _schema(ctx)
    if not schema:
        return
    yield from _missing_labels(ctx, schema)
    strict = bool(ctx.option("strict-labels"))
    for ins in ctx.dockerfile.instructions:
        for pair in _labels(ins):
            key = _unquoted(ctx, pair.key)
            if key not in schema:
                if strict:
                    yield ctx.hit(pair.key_span, f"label `{key}` is not in the label schema, and strict-labels allows no others", None, ins)
                continue
            value = expand(ctx, ins, pair.value or '""')
            if value is None:
                continue
            problem = _value_problem(schema[key], value)
            if problem is not None:
                span = pair.value_span or pair.span
                yield ctx.hit(span, f"label `{key}` ({schema[key]} in the label schema) {problem}", None, ins)
