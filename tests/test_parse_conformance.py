"""The parser against BuildKit's own fixtures (read from ../shared/conformance/buildkit)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from buildkit_dump import dump
from conftest import CONFORMANCE, conformance
from layerlint.parse import parse, parse_heredoc_word, parse_text
from layerlint.source import read_source

PARSER = CONFORMANCE / "buildkit" / "parser"


def _cases(folder: str) -> list[str]:
    path = PARSER / folder
    return sorted(p.name for p in path.iterdir()) if path.is_dir() else ["<missing>"]


@pytest.mark.parametrize("case", _cases("testfiles"))
def test_fixture_dump_matches_buildkit(case: str) -> None:
    folder = conformance("buildkit", "parser", "testfiles", case)
    df = parse(read_source(str(folder / "Dockerfile")))
    assert [e.message for e in df.errors if e.level == "parse"] == []
    assert dump(df) == (folder / "result").read_text(encoding="utf-8")


@pytest.mark.parametrize("case", _cases("testfiles-negative"))
def test_negative_fixture_is_a_syntax_error(case: str) -> None:
    folder = conformance("buildkit", "parser", "testfiles-negative", case)
    df = parse(read_source(str(folder / "Dockerfile")))
    assert any(e.level == "parse" for e in df.errors)


def test_line_spans_match_buildkit() -> None:
    folder = conformance("buildkit", "parser", "testfile-line")
    expected = yaml.safe_load((folder / "expected.yaml").read_text())
    df = parse(read_source(str(folder / "Dockerfile")))
    src = df.source
    got = [
        {
            "instruction": i.keyword.lower(),
            "start_line": src.position(i.span.start).line,
            "end_line": src.position(i.span.end).line,
        }
        for i in df.instructions
    ]
    assert got == expected["instructions"]


def _heredoc_view(df, index: int):
    docs = df.instructions[index].heredocs
    if not docs:
        return None
    return [
        {"name": h.name, "content": h.content, "expand": h.expand, "chomp": h.chomp, "file_descriptor": h.file_descriptor}
        for h in docs
    ]


@pytest.mark.parametrize("suite", ["extract", "json"])
def test_heredocs_match_buildkit(suite: str) -> None:
    folder = conformance("buildkit", "heredoc", suite)
    df = parse(read_source(str(folder / "Dockerfile")))
    assert [e.message for e in df.errors if e.level == "parse"] == []
    for case in yaml.safe_load((folder / "expected.yaml").read_text()):
        index = case["instruction_index"]
        if "first_line" in case:
            ins = df.instructions[index]
            assert df.source.line_text(df.source.position(ins.span.start).line).strip() == case["first_line"]
        assert _heredoc_view(df, index) == case["heredocs"], index


def _words() -> dict:
    path = CONFORMANCE / "buildkit" / "heredoc" / "words.yaml"
    return yaml.safe_load(path.read_text()) if path.exists() else {"delimiter_words": {}, "heredocs_in_line": []}


@pytest.mark.parametrize(
    "word,kind",
    [(w, kind) for kind, ws in _words()["delimiter_words"].items() for w in ws] or [("<missing>", "skip")],
)
def test_heredoc_delimiter_words(word: str, kind: str) -> None:
    conformance("buildkit", "heredoc", "words.yaml")
    if kind == "invalid_error":
        with pytest.raises(ValueError):
            parse_heredoc_word(word)
    elif kind == "valid_name_EOF":
        found = parse_heredoc_word(word)
        assert found is not None and found[0] == "EOF"
    else:
        assert parse_heredoc_word(word) is None


@pytest.mark.parametrize("case", _words()["heredocs_in_line"] or [{"line": "<missing>"}], ids=lambda c: c["line"])
def test_heredoc_names_in_line(case: dict) -> None:
    conformance("buildkit", "heredoc", "words.yaml")
    names = case["heredoc_names"]
    body = "".join(f"{n}\n" for n in names)
    df = parse_text(f"FROM scratch\n{case['line']}\n{body}")
    assert [h.name for h in df.instructions[1].heredocs] == names
