"""dockerfile-parse as a differential oracle on inputs it is known to handle.

dockerfile-parse differs from BuildKit on heredocs, blank or comment lines inside a
continuation, a continuation at end of file, ``\\\\`` at line end and the backtick escape, so
those inputs are left out; on the rest both parsers must agree on keywords, values and lines.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import CONFORMANCE
from layerlint.parse import parse_text

dockerfile_parse = pytest.importorskip("dockerfile_parse")

REPO = Path(__file__).resolve().parents[1]


def _inputs() -> list[Path]:
    found = sorted((CONFORMANCE / "buildkit" / "parser" / "testfiles").glob("*/Dockerfile"))
    found += sorted((REPO / "examples").glob("*Dockerfile*"))
    found += sorted((REPO / "tests" / "corpus").glob("**/Dockerfile*"))
    return found


def _handled_by_oracle(text: str) -> bool:
    lines = text.splitlines()
    if "<<" in text or re.search(r"^#\s*escape\s*=", text, re.M | re.I):
        return False
    if lines and lines[-1].rstrip().endswith("\\"):
        return False
    for prev, line in zip(lines, lines[1:]):
        if prev.rstrip().endswith("\\") and (not line.strip() or line.lstrip().startswith("#")):
            return False
        if prev.rstrip().endswith("\\\\"):
            return False
    return True


def _norm(value: str) -> str:
    return " ".join(value.split())


CASES = [p for p in _inputs() if _handled_by_oracle(p.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("path", CASES or [None], ids=lambda p: str(p.parent.name) if p else "none")
def test_agrees_with_dockerfile_parse(path: Path | None) -> None:
    if path is None:
        pytest.skip("no inputs (../shared missing)")
    text = path.read_text(encoding="utf-8")
    oracle = dockerfile_parse.DockerfileParser(fileobj=None, cache_content=True)
    oracle.content = text
    want = [
        (d["instruction"], d["startline"] + 1, _norm(d["value"]))
        for d in oracle.structure
        if d["instruction"] != "COMMENT"
    ]
    df = parse_text(text)
    got = [(i.keyword, df.source.position(i.span.start).line) for i in df.instructions]
    assert got == [w[:2] for w in want]
    assert [_norm(i.command.text) for i in df.instructions] == [
        _strip_flags_value(w[2], i) for w, i in zip(want, df.instructions)
    ]


def _strip_flags_value(value: str, ins) -> str:  # type: ignore[no-untyped-def]
    """dockerfile-parse keeps flags in the value; our ``command`` starts after them."""
    for f in ins.flags:
        value = value.replace(f.raw, "", 1)
    value = _norm(value)
    return value[3:] if value.startswith("-- ") else value
