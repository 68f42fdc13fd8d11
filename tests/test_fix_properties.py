"""Properties every ``--fix`` run must keep, on generated and real-world Dockerfiles.

For each file, with safe fixes only and with ``--unsafe-fixes``:

* the fixed file parses at least as well as the original (no new syntax errors);
* a second ``--fix`` changes nothing (idempotent) and no allowed fix is left over;
* text outside the applied edits is unchanged: replaying ``FixResult.edits`` from the
  original reproduces every pass exactly, and no comment or directive line is lost;
* line endings and the escape character are the file's own (no bare ``\\n`` in a CRLF file,
  no continuation written with the other escape character);
* every rule whose fix was applied reports fewer findings afterwards;
* unsafe fixes apply only with ``unsafe=True``, and each fix's safety matches its rule page.

Example counts are bounded for CI; ``LAYERLINT_FUZZ=long`` runs many more.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layerlint import catalog
from layerlint.engine import lint_source
from layerlint.fix import allowed, apply_edits, fix_source
from layerlint.parse import parse
from layerlint.rule import Safety
from layerlint.settings import Settings
from layerlint.source import SourceFile

LONG = os.environ.get("LAYERLINT_FUZZ") == "long"
ROOT = Path(__file__).resolve().parents[1]
CONFORMANCE = ROOT.parent / "shared" / "conformance" / "buildkit" / "parser" / "testfiles"
FIXABLE = tuple(sorted(rid for rid, meta in catalog.load().items() if meta.fix != "none"))
SELECT = Settings(select=FIXABLE)
STATS: Counter[str] = Counter()

# --------------------------------------------------------------------------- the properties


def _comment_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]


def _is_subsequence(needles: list[str], haystack: list[str]) -> bool:
    it = iter(haystack)
    return all(any(n == h for h in it) for n in needles)


def _replays(original: str, result) -> bool:  # type: ignore[no-untyped-def]
    """Each recorded pass starts from the previous text and its edits alone make the next one.

    ``apply_edits`` is checked against an independent splice: the text between edits is copied
    verbatim, so nothing outside an edit can change.
    """
    text = original
    newline = "\r\n" if "\r\n" in original else "\n"
    for before, edits in result.edits:
        if before != text:
            return False
        out, pos = [], 0
        for e in sorted(edits, key=lambda e: (e.span.start, e.span.end)):
            if e.span.start < pos:
                return False  # overlapping edits were applied together
            out.append(text[pos : e.span.start])
            out.append(e.text.replace("\r\n", "\n").replace("\n", newline))
            pos = e.span.end
        out.append(text[pos:])
        text = "".join(out)
        if text != apply_edits(before, edits):
            return False
    return text == result.text


_PRAGMA = re.compile(r"^#\s*(layerlint|hadolint)\b.*\bignore\b")


def _comments_kept(text: str, fixed: str, result) -> bool:  # type: ignore[no-untyped-def]
    """Every comment line survives, but for suppressions that suppress nothing (removed by LL003's fix)."""
    before, after = _comment_lines(text), _comment_lines(fixed)
    if _is_subsequence(before, after):
        return True
    lost = Counter(before) - Counter(after)
    return any(f.code == "LL003" for f in result.applied) and all(_PRAGMA.match(c) for c in lost)


def _continuations(text: str, escape: str) -> int:
    return sum(1 for line in text.splitlines() if line.rstrip().endswith(escape))


def check_fix_properties(text: str, path: str = "Dockerfile") -> None:
    for unsafe in (False, True):
        STATS["runs"] += 1
        source = SourceFile(path, text)
        before = lint_source(source, SELECT).findings
        result = fix_source(source, SELECT, unsafe=unsafe)
        fixed = result.text
        STATS["fixes applied"] += len(result.applied)
        STATS["files changed"] += fixed != text
        where = f"\n--- {'unsafe' if unsafe else 'safe'} fix of:\n{text!r}\n--- gave:\n{fixed!r}"

        old, new = parse(SourceFile(path, text)), parse(SourceFile(path, fixed))
        assert len(new.errors) <= len(old.errors), f"new syntax errors {new.errors}{where}"

        again = fix_source(SourceFile(path, fixed), SELECT, unsafe=unsafe)
        assert again.text == fixed and not again.applied, f"not idempotent: {again.applied}{where}"
        left = [f"{f.code} {f.line}: {f.fix.title}" for f in again.remaining if allowed(f.fix, unsafe)]  # type: ignore[union-attr]
        assert left == [], f"fixable findings left after --fix: {left}{where}"

        assert _replays(text, result), f"edits do not account for the change{where}"
        assert _comments_kept(text, fixed, result), f"a comment line was lost{where}"
        if "\r\n" in text and text.count("\n") == text.count("\r\n"):
            assert fixed.count("\n") == fixed.count("\r\n"), f"bare LF written into a CRLF file{where}"
        if "\r" not in text:
            assert "\r" not in fixed, f"CR written into an LF file{where}"
        other = "\\" if old.escape == "`" else "`"
        assert _continuations(fixed, other) <= _continuations(text, other), f"continuation with {other!r}{where}"

        metas = catalog.load()
        for f in result.applied:
            assert f.fix is not None
            assert unsafe or f.fix.safety is Safety.SAFE, f"unsafe fix {f.code} applied without unsafe{where}"
            declared = metas[f.code].fix
            assert declared == "unsafe" or f.fix.safety is Safety.SAFE, f"{f.code} page says fix: {declared}"
        _fixed_findings_are_gone(text, path, result, before, where)


def _fixed_findings_are_gone(text: str, path: str, result, before, where: str) -> None:  # type: ignore[no-untyped-def]
    """In every pass, each rule whose fix was applied reports fewer findings than before the pass.

    The findings a pass applied are those whose edits are all among the pass's edits.
    """
    findings = before
    for n, (pass_text, edits) in enumerate(result.edits):
        if n:
            findings = lint_source(SourceFile(path, pass_text), SELECT).findings
        taken = set(edits)
        codes = {f.code for f in findings if f.fix is not None and f.fix.edits and set(f.fix.edits) <= taken}
        after_text = result.edits[n + 1][0] if n + 1 < len(result.edits) else result.text
        after = Counter(f.code for f in lint_source(SourceFile(path, after_text), SELECT).findings)
        count = Counter(f.code for f in findings)
        for code in codes:
            STATS[f"applied {code}"] += 1
            assert after[code] < count[code], f"{code} fixed in pass {n + 1} but not fewer findings{where}"


# --------------------------------------------------------------------------- generated Dockerfiles

_PKGS = st.lists(
    st.sampled_from(["curl", "git", "ca-certificates", "gcc", "make", "python3", "jq"]), min_size=1, max_size=3
)
_BASES = st.sampled_from(
    ["debian:12", "ubuntu:24.04", "alpine:3.20", "centos:7", "fedora:40", "opensuse/leap:15.6", "python:3.12-slim",
     "node:20-slim", "scratch"]
)  # fmt: skip


@st.composite
def _apt(draw: st.DrawFn) -> list[str]:
    pkgs = " ".join(draw(_PKGS))
    flags = draw(st.sampled_from([" -y", "", " -qq -y"])) + draw(st.sampled_from([" --no-install-recommends", ""]))
    steps = ["apt-get update", f"apt-get install{flags} {pkgs}"]
    if draw(st.booleans()):
        steps.append("rm -rf /var/lib/apt/lists/*")
    if draw(st.booleans()):
        steps.insert(0, draw(st.sampled_from(["set -eux", "export DEBIAN_FRONTEND=noninteractive"])))
    return steps


@st.composite
def _other_install(draw: st.DrawFn) -> list[str]:
    pkgs = " ".join(draw(_PKGS))
    return draw(
        st.sampled_from(
            [
                [f"apk add {pkgs}"],
                ["apk update", f"apk add {pkgs}"],
                [f"apk add --no-cache {pkgs}"],
                [f"yum install -y {pkgs}"],
                [f"yum install {pkgs}"],
                [f"dnf install {pkgs}"],
                [f"zypper install {pkgs}"],
                [f"apt update && apt install -y {pkgs}"],
                ["useradd -u 100000 app"],
                [f"yum install -y {pkgs}", "yum clean all"],
                [f"dnf install -y {pkgs}"],
                [f"microdnf install -y {pkgs}"],
                [f"zypper install -y {pkgs}"],
                ["pip install flask gunicorn"],
                ["python -m pip install --no-cache-dir -r requirements.txt"],
                ["npm install -g pm2"],
                ["useradd -m app"],
                ["mkdir -p /data"],
                ["echo hi > /etc/motd"],
                ["gem install rails"],
            ]
        )
    )


@st.composite
def _run(draw: st.DrawFn, escape: str) -> str:
    """A RUN written one of the ways people write them."""
    steps = draw(st.one_of(_apt(), _other_install()))
    style = draw(st.sampled_from(["and", "semi", "cont", "lead", "heredoc", "bash-heredoc"]))
    comment = draw(st.sampled_from(["", "", "  # install tools"]))
    indent = draw(st.sampled_from(["    ", "  ", "\t"]))
    kw = draw(st.sampled_from(["RUN", "RUN", "run"]))
    if style == "and":
        return f"{kw} {' && '.join(steps)}{comment}"
    if style == "semi":
        return f"{kw} {'; '.join(steps)}{draw(st.sampled_from(['', ';']))}{comment}"
    if style == "cont":
        return f"{kw} " + f" && {escape}\n{indent}".join(steps) + comment
    if style == "lead":
        return f"{kw} " + f" {escape}\n{indent}&& ".join(steps)
    body = "\n".join(steps)
    return f"{kw} {'bash ' if style == 'bash-heredoc' else ''}<<EOF\n{body}\nEOF"


_MAINTAINERS = st.sampled_from(
    ['Jane Doe <jane@example.com>', '"Jane Doe"', 'Ops $team', 'a\\b `c`', 'x "y" z', "it's me"]
)  # fmt: skip
_ENV = st.sampled_from(
    ["ENV PATH /opt/bin:$PATH", "ENV GREETING hello world", "ENV A 1", "LABEL version 1.0",
     'ENV QUOTED "a b" c', "ENV TAB a\tb", "ENV MODERN=1 OTHER=2"]
)  # fmt: skip
_CMDS = st.sampled_from(
    ["CMD node server.js", "CMD exec nginx -g 'daemon off;'", "CMD echo $HOME", "CMD [\"python\", \"app.py\"]",
     "ENTRYPOINT python app.py", "CMD gunicorn -b 0.0.0.0:80 app:app", "CMD cd /srv && ./run", "cmd npm start"]
)  # fmt: skip


@st.composite
def _instruction(draw: st.DrawFn, escape: str) -> str:
    kind = draw(st.sampled_from(["run", "run", "run", "pair", "maintainer", "env", "cmd", "copy", "add", "workdir",
                                 "user", "comment", "blank", "expose", "other"]))  # fmt: skip
    if kind == "run":
        return draw(_run(escape))
    if kind == "pair":  # consecutive RUNs and update-then-install, the LL316 / LL202 shapes
        return draw(st.sampled_from(["RUN useradd -m app\nRUN mkdir -p /data", "RUN apt-get update\nRUN apt-get install -y curl",
                                     "RUN apk update\n# then\nRUN apk add curl", "RUN a\n\nRUN b > /f"]))  # fmt: skip
    if kind == "maintainer":
        return f"{draw(st.sampled_from(['MAINTAINER', 'maintainer']))} {draw(_MAINTAINERS)}"
    if kind == "env":
        return draw(_ENV)
    if kind == "cmd":
        return draw(_CMDS)
    if kind == "copy":
        dest = draw(st.sampled_from(["/app", "/app/", "/srv/app", "app/"]))
        flag = draw(st.sampled_from(["", "--from=build ", "--chown=app:app "]))
        chown = draw(st.sampled_from([f"RUN chown -R app:app {dest.rstrip('/')}", f"RUN chown -R app {dest}", ""]))
        return f"COPY {flag}. {dest}" + (f"\n{chown}" if chown else "")
    if kind == "add":
        return draw(
            st.sampled_from(["ADD app.py /app/", "ADD https://example.com/x.tgz /tmp/", "ADD --chmod=755 run.sh /"])
        )
    if kind == "workdir":
        return draw(st.sampled_from(["WORKDIR /app", "WORKDIR app", "WORKDIR srv/../app"]))
    if kind == "user":
        return draw(st.sampled_from(["USER app", "USER root", "USER 1000"]))
    if kind == "comment":
        return "# " + draw(st.sampled_from(["a comment", "escape=`", "TODO: pin versions"]))
    if kind == "other":
        return draw(st.sampled_from(['SHELL ["/bin/bash", "-o", "pipefail", "-c"]', 'SHELL ["powershell", "-Command"]',
                                     "ONBUILD RUN apt-get update && apt-get install -y curl", "ARG VERSION=1",
                                     "HEALTHCHECK CMD curl -f http://localhost/ || exit 1", 'VOLUME ["/data"]',
                                     "COPY a.txt b.txt /data", "# layerlint: ignore=LL301\nRUN echo hi",
                                     "# hadolint ignore=DL3008\nRUN true"]))  # fmt: skip
    if kind == "expose":
        return draw(st.sampled_from(["EXPOSE 80/TCP", "EXPOSE 8080:80", "EXPOSE 443"]))
    return ""


@st.composite
def dockerfiles(draw: st.DrawFn) -> str:
    escape = draw(st.sampled_from(["\\", "\\", "`"]))
    lines = []
    if escape == "`":
        lines.append("# escape=`")
    if draw(st.booleans()):
        lines.append("# syntax=docker/dockerfile:1")
    for n in range(draw(st.integers(1, 2))):
        base = draw(_BASES)
        alias = draw(st.sampled_from(["", f" AS stage{n}", f" as stage{n}", f" AS Stage{n}"]))
        platform = draw(st.sampled_from(["", "", "--platform=$TARGETPLATFORM ", "--platform=$BUILDPLATFORM "]))
        lines.append(f"{draw(st.sampled_from(['FROM', 'FROM', 'from']))} {platform}{base}{alias}")
        lines.extend(draw(st.lists(_instruction(escape), min_size=1, max_size=6)))
    text = "\n".join(lines)
    if draw(st.booleans()):
        text += "\n"
    if draw(st.integers(0, 3)) == 0:
        text = text.replace("\n", "\r\n")
    return text


_EXAMPLES = 3000 if LONG else 100


@settings(
    max_examples=_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=not LONG,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(dockerfiles())
def test_fix_properties_on_generated_dockerfiles(text: str) -> None:
    STATS["generated"] += 1
    check_fix_properties(text)


# --------------------------------------------------------------------------- real-world files


def _real_files() -> list[Path]:
    found = sorted((ROOT / "tests" / "corpus").glob("*/Dockerfile*")) + [ROOT / "examples" / "Dockerfile"]
    if CONFORMANCE.is_dir():
        found += sorted(CONFORMANCE.glob("*/Dockerfile"))
    return [p for p in found if p.is_file()]


@pytest.mark.parametrize("path", _real_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fix_properties_on_real_dockerfiles(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    STATS["real"] += 1
    check_fix_properties(text, str(path))
    if "\r\n" not in text:
        check_fix_properties(text.replace("\n", "\r\n"), str(path))


def test_conformance_files_are_present() -> None:
    if not CONFORMANCE.is_dir():
        pytest.skip(f"BuildKit parser test files not found at {CONFORMANCE} (../shared/conformance is not checked out)")
    assert len(list(CONFORMANCE.glob("*/Dockerfile"))) > 20


# --------------------------------------------------------------------------- fixes on known shapes


@pytest.mark.parametrize(
    ("text", "unsafe", "expected"),
    [
        pytest.param(
            "FROM debian:12\r\nRUN apt-get update \\\r\n    && apt-get install -y curl  # tools\r\n",
            False,
            "FROM debian:12\r\nRUN apt-get update \\\r\n    && apt-get install -y curl && rm -rf /var/lib/apt/lists/*  # tools\r\n",
            id="LL301-crlf-continuation-comment",
        ),
        pytest.param(
            'FROM debian:12\nRUN ["apt-get", "update"]\n',
            True,
            'FROM debian:12\nRUN ["apt-get", "update"]\n',
            id="LL301-exec-form-no-fix",
        ),
        pytest.param(
            "FROM debian:12\nUSER app\nRUN apt-get update && apt-get install -y curl\n",
            False,
            "FROM debian:12\nUSER app\nRUN apt-get update && apt-get install -y curl\n",
            id="LL301-non-root-no-fix",
        ),
        pytest.param(
            "FROM debian:12\nRUN bash <<EOF\napt-get update\napt-get install -y curl\nEOF\n",
            False,
            "FROM debian:12\nRUN bash <<EOF\napt-get update\napt-get install -y curl && rm -rf /var/lib/apt/lists/*\nEOF\n",
            id="LL301-shell-fed-heredoc",
        ),
        pytest.param(
            "# escape=`\nFROM debian:12\nRUN useradd -m app\r\nRUN mkdir /data\n",
            True,
            "# escape=`\nFROM debian:12\nRUN useradd -m app && `\r\n    mkdir /data\n",
            id="LL316-backtick-escape",
        ),
        pytest.param(
            "FROM node:20\nCOPY . /app\nRUN chown -R node /app\n",
            True,
            "FROM node:20\nCOPY . /app\nRUN chown -R node /app\n",
            id="LL313-no-group-no-fix",
        ),
        pytest.param(
            "FROM nginx\nCMD nginx -g 'daemon off;' 2>&1\n",
            True,
            "FROM nginx\nCMD nginx -g 'daemon off;' 2>&1\n",
            id="LL508-redirect-no-fix",
        ),
        pytest.param(
            "# escape=`\nFROM debian:12\nMAINTAINER a `\n# joined over a comment\n  b\n",
            True,
            "# escape=`\nFROM debian:12\nMAINTAINER a `\n# joined over a comment\n  b\n",
            id="LL510-comment-inside-continuation-no-fix",
        ),
    ],
)
def test_fix_output_on_known_shapes(text: str, unsafe: bool, expected: str) -> None:
    assert fix_source(SourceFile("Dockerfile", text), SELECT, unsafe=unsafe).text == expected


def test_maintainer_label_reads_back_as_the_maintainer_text() -> None:
    """The LABEL value BuildKit reads from the fixed line is MAINTAINER's text, for both escape characters."""
    from layerlint.expand import unquote

    for escape in ("\\", "`"):
        for raw in ("Jane Doe <j@x>", 'a "b" c', "Ops $team", "back\\slash `tick` x"):
            head = "# escape=`\n" if escape == "`" else ""
            text = f"{head}FROM debian:12\nMAINTAINER {raw}\n"
            fixed = fix_source(SourceFile("Dockerfile", text), Settings(select=("LL510",)), unsafe=True).text
            label = parse(SourceFile("Dockerfile", fixed)).instructions[-1]
            assert label.keyword == "LABEL" and label.pairs[0].key == "org.opencontainers.image.authors"
            assert unquote(label.pairs[0].value or "", escape) == raw


def test_exec_form_words_split_like_sh() -> None:
    from layerlint.fixes import shell_words

    assert shell_words("exec nginx -g 'daemon off;'") == ["nginx", "-g", "daemon off;"]
    assert shell_words('python -c "print(\\"hi\\")" a\\ b') == ["python", "-c", 'print("hi")', "a b"]
    for needs_shell in ("a && b", "echo $HOME", "ls *.py", "a > f", "cd /x", "X=1 run", "echo ~", "a # c", 'echo "$x"'):
        assert shell_words(needs_shell) is None, needs_shell


@pytest.fixture(scope="module", autouse=True)
def _report() -> None:  # type: ignore[misc]
    yield
    if os.environ.get("LAYERLINT_FUZZ_REPORT") or LONG:
        print("\nfix properties:", dict(sorted(STATS.items())))


def test_generated_files_exercise_most_fixes() -> None:
    """Guard against a generator that silently stops reaching the fixes (runs after the generated test)."""
    if not STATS["generated"]:
        pytest.skip("the generated-Dockerfile test did not run in this session")
    applied = {key.split()[1] for key in STATS if key.startswith("applied ")}
    assert len(applied) >= 15, sorted(applied)
