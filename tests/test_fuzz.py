"""Property-based robustness: whatever the bytes, layerlint answers without a traceback.

Dockerfiles are generated from a grammar (instructions, flags, quotes, expansions, JSON
arrays, continuations, heredocs, directives, pragmas) and real-shaped files are mutated
(truncated, random bytes inserted, quotes/brackets/heredocs left open, CR-only line
endings, NUL bytes, invalid UTF-8).  For every input:

* the engine and the CLI (``main()`` in process, every output format) finish without an
  exception and without an "internal error" from any rule;
* every problem the parser recovered from is a finding (LL001/LL002) with a real line;
* a broken line does not hide what comes after it: a MAINTAINER placed after the
  damage is still reported on its line;
* undecodable input is one ``path:line:col`` line on stderr and exit code 2.

Budget: ``LAYERLINT_FUZZ=ci`` (the default) runs a fixed, derandomized set of examples
that finishes in well under a minute on two cores; ``LAYERLINT_FUZZ=long`` runs thousands
per test (``python scripts/fuzz_long.py``).  Time growth on big inputs is measured by
``benchmarks/bench_linear.py``, not here: timed tests are flaky.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from layerlint import report  # noqa: E402
from layerlint.cli import main  # noqa: E402
from layerlint.engine import lint_source  # noqa: E402
from layerlint.settings import Settings  # noqa: E402
from layerlint.source import SourceError, SourceFile, decode  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
from gen_corpus import generate  # noqa: E402

_COMMON = {"deadline": None, "suppress_health_check": list(HealthCheck), "print_blob": True}
settings.register_profile("ci", max_examples=25, derandomize=True, database=None, **_COMMON)
settings.register_profile("long", max_examples=int(os.environ.get("LAYERLINT_FUZZ_EXAMPLES", "3000")), **_COMMON)
PROFILE = os.environ.get("LAYERLINT_FUZZ", "ci")
fuzz = settings(settings.get_profile(PROFILE))

# --------------------------------------------------------------------------- inputs

REAL = [p.read_text(encoding="utf-8") for p in sorted((REPO / "tests" / "corpus").glob("*/Dockerfile"))]
REAL += [(REPO / "examples" / "Dockerfile").read_text(encoding="utf-8")]
REAL += [text for _, text in generate(24, seed=7, huge=1)]

KEYWORDS = (
    "FROM", "RUN", "COPY", "ADD", "ENV", "ARG", "LABEL", "WORKDIR", "USER", "EXPOSE", "CMD", "ENTRYPOINT",
    "HEALTHCHECK", "SHELL", "ONBUILD", "STOPSIGNAL", "VOLUME", "MAINTAINER", "from", "Run", "copy", "BOGUS", "",
)  # fmt: skip
TOKENS = (
    "alpine", "debian:12", "python:3.12-slim", "AS", "build", "scratch", "$VAR", "${VAR}", "${VAR:-x}", "${VAR",
    "${A:+${B", "${V#'*'}", "${V//a/$0}", '"quoted"', '"open', "'single", "'", '"', "[", "]", '["a", "b"]',
    '["sh", "-c", "echo $X"]', '["unterminated', '[1, 2]', "{", "}", "apt-get", "update", "install", "-y",
    "--no-install-recommends", "curl", "pip", "install", "-r", "requirements.txt", "npm", "ci", "&&", "||", ";",
    "|", "&", "$(echo x)", "$(", "`cmd`", "`", "$((1+2))", "<(true)", ">", "2>&1", "<<EOF", "<<-'END'", '<<"X"',
    "<<<", "--mount=type=cache,target=/root/.cache", "--mount=type=bind,from=build,target=/src", "--from=build",
    "--from=0", "--chown=1:1", "--chmod=755", "--link", "--platform=$BUILDPLATFORM", "--network=none", "--bogus",
    "--", "key=value", 'k="v w"', "k=", "=v", "8080/tcp", "80:80", "CMD", "NONE", "/app", ".", "..", "*", "src/",
    "#", "# comment", "\\", "\\\\", "\t", "ü", "😀", "\u2028", "\u00a0", "\x0b", "\x0c", "sudo", "cd", "/tmp",
    "rm", "-rf", "/var/lib/apt/lists/*", "wget", "-O-", "http://x", "if", "then", "fi", "for", "do", "done",
)  # fmt: skip
DIRECTIVES = ("# syntax=docker/dockerfile:1", "# escape=`", "# escape=\\", "# escape=x", "# check=skip=all",
              "# check=error=true", "#syntax = x", "# hadolint ignore=DL3008", "# layerlint: ignore=LL5",
              "# hadolint shell=powershell")  # fmt: skip

word = st.one_of(st.sampled_from(TOKENS), st.text(min_size=1, max_size=8))


@st.composite
def instruction(draw: st.DrawFn) -> str:
    """One logical instruction, sometimes over continuation lines, sometimes with a heredoc body."""
    parts = [draw(st.sampled_from(KEYWORDS)), *draw(st.lists(word, max_size=8))]
    line = " ".join(parts)
    if draw(st.booleans()) and len(parts) > 2:  # split over continuation lines
        cut = draw(st.integers(1, len(parts) - 1))
        line = " ".join(parts[:cut]) + draw(st.sampled_from((" \\\n", "\\\n", " \\  \n", " \\\n\n", " \\\n# c\n"))) + " ".join(parts[cut:])
    if "<<" in line and draw(st.booleans()):
        body = draw(st.lists(st.sampled_from(("echo hi", "apt-get update", "EOF", "\tEND", "X", "", "set -e")), max_size=4))
        line += "\n" + "\n".join(body)
    return line


@st.composite
def dockerfile(draw: st.DrawFn) -> str:
    lines = draw(st.lists(st.sampled_from(DIRECTIVES), max_size=2))
    lines += draw(st.lists(st.one_of(instruction(), st.sampled_from(DIRECTIVES), st.just("")), min_size=0, max_size=12))
    newline = draw(st.sampled_from(("\n", "\n", "\r\n", "\r")))
    return newline.join(lines) + draw(st.sampled_from(("", "\n", "\\", "\\\n")))


INSERTS = ('"', "'", "[", "]", "${", "$(", "`", "<<EOF\n", "<<-END ", "\\\n", "\\", "#", "\x00", "\r", "\n\n", "{")


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A real-shaped Dockerfile, damaged one way (sometimes twice)."""
    data = draw(st.sampled_from(REAL)).encode("utf-8")
    for _ in range(draw(st.integers(1, 2))):
        at = draw(st.integers(0, len(data)))
        how = draw(st.integers(0, 7))
        if how == 0:
            data = data[:at]
        elif how == 1:
            data = data[:at] + draw(st.binary(min_size=1, max_size=16)) + data[at:]
        elif how == 2:
            data = data[:at] + data[at + draw(st.integers(1, 200)) :]
        elif how == 3:
            data = data[:at] + draw(st.sampled_from(INSERTS)).encode() + data[at:]
        elif how == 4:
            data = data.replace(b"\n", draw(st.sampled_from((b"\r", b"\r\n", b"\n\r"))))
        elif how == 5:
            data = data[:at] + b"\x00" + data[at:]
        elif how == 6:
            data = data[:at] + bytes([draw(st.integers(0x80, 0xFF))]) + data[at:]  # invalid UTF-8
        else:
            data = data[:at] + draw(st.text(max_size=20)).encode("utf-8", "surrogatepass") + data[at:]
    return data


# --------------------------------------------------------------------------- properties


def lint_text(text: str):  # type: ignore[no-untyped-def]
    """Lint in process; returns the result and whatever the engine wrote to stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        result = lint_source(SourceFile("Dockerfile", text), Settings(disable_ignore_pragma=True))
    return result, err.getvalue()


def assert_sound(text: str) -> None:
    """Engine-level properties for decodable text."""
    result, err = lint_text(text)
    assert "internal error" not in err, err
    lines = text.count("\n") + 1
    for f in result.findings:
        assert 1 <= f.line <= f.end_line <= lines and f.column >= 1, f
        assert f.line < f.end_line or f.column <= f.end_column, f
    reported = {(f.code, f.span) for f in result.findings}
    errors = [*result.dockerfile.errors, *(e for e in result.build.errors if e.level == "instruction")]
    for issue in errors:
        code = "LL001" if issue.level == "parse" else "LL002"
        assert (code, issue.span) in reported, f"{issue} was not reported"
    for fmt in sorted(set(report.FORMATS)):  # every reporter renders whatever the engine found
        out = report.reporter(fmt).render(result.findings, {"Dockerfile": result.source}, report.ReportOptions())
        assert isinstance(out, str)


def run_cli(tmp_path: Path, data: bytes, *options: str) -> tuple[int, str, str, Path]:
    path = tmp_path / "Dockerfile"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*options, "--no-color", "--isolated", "--jobs", "1", str(path)])
    return code, out.getvalue(), err.getvalue(), path


@fuzz
@given(dockerfile())
def test_grammar_generated_files_lint_soundly(text: str) -> None:
    assert_sound(text)


@fuzz
@given(mutated())
def test_mutated_real_files_lint_soundly(data: bytes) -> None:
    try:
        text = decode(data, "Dockerfile")
    except SourceError:
        assume(False)
    assert_sound(text)


@fuzz
@given(mutated(), st.sampled_from(sorted(set(report.FORMATS))))
def test_cli_never_shows_a_traceback(tmp_path_factory: pytest.TempPathFactory, data: bytes, fmt: str) -> None:
    tmp = tmp_path_factory.mktemp("cli")
    code, out, err, path = run_cli(tmp, data, "--format", fmt)
    assert "Traceback" not in err and "internal error" not in err, err
    try:
        decode(data, str(path))
    except SourceError as exc:
        assert code == 2
        assert err.splitlines() == [f"layerlint: {exc}"]
        assert err.startswith(f"layerlint: {path}:")  # the file, then where it went wrong
    else:
        assert code in (0, 1) and not err, err


damage = st.text(
    alphabet=st.characters(blacklist_characters="\\`\n\r<", blacklist_categories=("Cs",)), min_size=1, max_size=60
)


@fuzz
@given(st.sampled_from(REAL), damage, st.data())
def test_a_broken_line_does_not_hide_the_rest(text: str, garbage: str, data: st.DataObject) -> None:
    """A line of junk (no continuation, no heredoc) between instructions: later ones are still linted."""
    lines = text.rstrip("\n").split("\n")
    starts = [i for i, ln in enumerate(lines) if ln and not ln[0].isspace() and not lines[i - 1].rstrip().endswith("\\")]
    at = data.draw(st.sampled_from(starts[1:] or [len(lines)]))
    if any("<<" in ln for ln in lines[:at]):
        assume(False)  # a heredoc body may legitimately run past the junk
    damaged = "\n".join([*lines[:at], garbage, *lines[at:], "MAINTAINER fuzz@example.com"]) + "\n"
    result, err = lint_text(damaged)
    assert "internal error" not in err, err
    last = len(lines) + 2
    assert result.dockerfile.instructions[-1].keyword == "MAINTAINER"
    assert ("LL510", last) in {(f.code, f.line) for f in result.findings}


# --------------------------------------------------------------------------- shapes too big to generate


def test_ten_thousand_line_continuation_is_one_instruction() -> None:
    text = "FROM alpine\nRUN true \\\n" + "".join(f"  && echo {i} \\\n" for i in range(10_000)) + "  && true\nMAINTAINER x\n"
    result, err = lint_text(text)
    assert not err
    assert [i.keyword for i in result.dockerfile.instructions] == ["FROM", "RUN", "MAINTAINER"]
    assert ("LL510", 10_004) in {(f.code, f.line) for f in result.findings}


def test_huge_single_lines_and_open_constructs() -> None:
    long_run = "RUN " + " && ".join(f'echo "{i}" ${{V{i}}} $(x)' for i in range(20_000))
    for text in (
        f"FROM alpine\n{long_run}\n",
        "FROM alpine\nRUN echo " + "\\" * 200_000 + "\n",
        "FROM alpine\nENV A=" + "${A:-" * 5_000 + "\n",
        "FROM alpine\nCMD " + "[" * 50_000 + "\n",
        "FROM alpine\nRUN " + "$(echo " * 3_000 + "\n",
        "FROM alpine\nRUN <<EOF\n" + "echo line\n" * 20_000,
        "FROM alpine\r" + "RUN echo hi\r" * 20_000,
    ):
        assert_sound(text)


def test_undecodable_bytes_are_one_line_with_a_position(tmp_path: Path) -> None:
    for data, where in ((b"FROM alpine\nRUN echo \xff\n", ":2:10: invalid UTF-8"), (b"FROM a\n\n\x00", ":3: binary file")):
        code, out, err, path = run_cli(tmp_path, data)
        assert code == 2 and not out.strip().startswith("Traceback")
        assert err.startswith(f"layerlint: {path}{where}"), err
