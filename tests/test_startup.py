"""What the pre-commit path may not pay for: modules a lint never needs, patterns compiled at import.

Timings live in ``benchmarks/startup.py``; these tests pin the causes, which do not depend on
how busy the machine is.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from layerlint.lazyre import lazy

REPO = Path(__file__).resolve().parents[1]

# Each costs 1-20 ms to import and has a cheaper stand-in on the lint path (see the README's
# start-up paragraph): argparse -> layerlint.options, typing -> TYPE_CHECKING, dataclasses ->
# layerlint.source.Value, importlib -> __import__, the tree_sitter package -> its _binding.
HEAVY = (
    "argparse", "gettext", "locale", "typing", "dataclasses", "pathlib", "importlib", "warnings", "pydantic",
    "ruamel.yaml", "tomllib", "tomli", "subprocess", "shutil", "tempfile", "tree_sitter", "inspect", "difflib",
)  # fmt: skip


def test_linting_the_example_imports_none_of_the_heavy_modules() -> None:
    code = (
        "import sys; sys.argv = ['layerlint', sys.argv[1]]\n"
        "from layerlint.cli import main\n"
        "status = main()\n"
        f"print(repr(sorted(m for m in {HEAVY!r} if m in sys.modules)), status, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(REPO / "examples" / "Dockerfile")], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert done.stderr.strip().splitlines()[-1] == "[] 1"  # exit status 1: the example has findings


def test_no_module_on_the_lint_path_compiles_a_pattern_at_import() -> None:
    """Module-level patterns go through ``layerlint.lazyre.lazy`` (the language server may compile its own)."""
    offenders = []
    for path in sorted((REPO / "layerlint").rglob("*.py")):
        if path.name == "server.py":
            continue
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.match(r"[A-Za-z_][A-Za-z0-9_]*\s*=\s*re\.compile\(", text):
                offenders.append(f"{path.relative_to(REPO)}:{number}")
    assert offenders == []


def test_a_file_without_pragmas_does_not_load_the_suppression_module() -> None:
    code = (
        "import sys\n"
        "from layerlint.engine import lint_source\n"
        "from layerlint.settings import Settings\n"
        "from layerlint.source import SourceFile\n"
        "for text in sys.argv[1:]:\n"
        "    codes = [f.code for f in lint_source(SourceFile('Dockerfile', text), Settings(select=('LL601',))).findings]\n"
        "    print(codes, 'layerlint.suppress' in sys.modules)\n"
    )
    plain = "FROM debian:12\n# install the tools\nUSER root\n"
    pragma = "FROM debian:12\n# hadolint ignore=DL3002\nUSER root\n"
    done = subprocess.run([sys.executable, "-c", code, plain, pragma], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["['LL601'] False", "[] True"]


def test_lazy_pattern_compiles_on_first_use_and_then_behaves_as_compiled() -> None:
    pattern = lazy(r"(\d+)-(\d+)")
    assert "search" not in vars(pattern)
    assert pattern.search("a 12-34 b").groups() == ("12", "34")  # type: ignore[union-attr]
    assert "search" in vars(pattern)
    assert pattern.sub(r"\2-\1", "1-2") == "2-1"
    assert pattern.groups == 2
    with pytest.raises(AttributeError):
        pattern.nonexistent  # type: ignore[attr-defined]  # noqa: B018
