"""Realistic Dockerfiles with their exact expected findings (tests/corpus/expected.yaml).

Each directory under tests/corpus is a build context holding a Dockerfile.  The corpus
mixes deliberate mistakes with many correct idioms, so it measures precision as much as
recall: a new false positive on a reviewed code fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from layerlint.engine import lint_source
from layerlint.settings import Settings
from layerlint.source import SourceFile

CORPUS = Path(__file__).resolve().parent / "corpus"


def _expected() -> dict:
    from ruamel.yaml import YAML

    return YAML(typ="safe").load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))


EXPECTED = _expected()
REVIEWED = None if EXPECTED["codes_reviewed"] == "all" else frozenset(EXPECTED["codes_reviewed"])
CONTEXTS = sorted(p.parent.name for p in CORPUS.glob("*/Dockerfile"))


def test_every_corpus_file_has_expectations() -> None:
    assert sorted(EXPECTED["files"]) == CONTEXTS


@pytest.mark.parametrize("name", CONTEXTS)
def test_corpus_findings(name: str) -> None:
    path = CORPUS / name / "Dockerfile"
    source = SourceFile(str(path), path.read_text(encoding="utf-8"))
    result = lint_source(source, Settings(), context_dir=str(path.parent))
    found = sorted((f.code, f.line) for f in result.findings if REVIEWED is None or f.code in REVIEWED)
    expected = sorted((e["code"], e["line"]) for e in EXPECTED["files"][name] or ())
    assert found == expected
