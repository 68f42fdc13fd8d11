"""The fast reader of ``layerlint [check]`` command lines gives what argparse gives, or defers to it."""

from __future__ import annotations

import pytest

from layerlint.cli import build_parser
from layerlint.options import parse_check

PLAIN = [
    ["check"],
    ["check", "Dockerfile"],
    ["check", "a/Dockerfile", "b/Containerfile", "-"],
    ["check", "--format", "json", "Dockerfile"],
    ["check", "--format=concise", "--select=LL3", "--ignore", "LL401,DL3008", "Dockerfile"],
    ["check", "-t", "error", "-j", "4", "-o", "out.txt", "Dockerfile"],
    ["check", "Dockerfile", "--exit-zero", "--statistics", "--no-color"],
    ["check", "--build-arg", "A=1", "--build-arg=B=2", "--target", "build", "--builder", "classic", "x"],
    ["check", "--fix", "--unsafe-fixes", "--diff", "--exit-non-zero-on-fix", "--add-ignore", "--shellcheck", "x"],
    ["check", "--config", "c.yaml", "--isolated", "--context", "ctx", "--stdin-filename", "d/Dockerfile", "-"],
    ["check", "--extend-select", "LL090", "--jobs=2", "--format", ""],
]

UNUSUAL = [
    ["check", "--help"],
    ["check", "--sel", "LL3", "x"],  # an abbreviation: argparse resolves it
    ["check", "--", "-odd-name"],
    ["check", "-tERROR", "x"],
    ["check", "--jobs", "two", "x"],
    ["check", "--builder", "kaniko", "x"],
    ["check", "--format"],  # value missing
    ["check", "--select", "-x", "x"],
    ["check", "--fix=yes", "x"],
    ["check", "a", "--format", "json", "b"],  # paths split by an option: argparse's error
    ["check", "--no-such-option", "x"],
]


@pytest.mark.parametrize("argv", PLAIN, ids=" ".join)
def test_plain_command_lines_read_as_argparse_reads_them(argv: list[str]) -> None:
    fast = parse_check(argv)
    assert fast is not None
    assert vars(fast) == vars(build_parser("check").parse_args(argv))


@pytest.mark.parametrize("argv", UNUSUAL, ids=" ".join)
def test_anything_unusual_is_left_to_argparse(argv: list[str]) -> None:
    assert parse_check(argv) is None
