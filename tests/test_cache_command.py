"""``layerlint cache``: changes from the command line and from git, rendered as text and JSON."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from layerlint.cli import UsageError
from layerlint.commands import cache

DOCKERFILE = """\
FROM python:3.12-slim AS build
WORKDIR /src
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN python -m compileall .

FROM python:3.12-slim
COPY --from=build /src /app
CMD ["python", "/app/app.py"]
"""
FILES = {
    "Dockerfile": DOCKERFILE,
    "requirements.txt": "flask\n",
    "app.py": "print(1)\n",
    ".dockerignore": "notes/\n",
    "notes/todo.md": "- x\n",
}

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=root, check=True, capture_output=True,
    )  # fmt: skip


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    _write(tmp_path, FILES)
    if shutil.which("git") is not None:
        _git(tmp_path, "init", "-q")
        _git(tmp_path, "add", "-A")
        _git(tmp_path, "commit", "-q", "-m", "initial")
    return tmp_path


def invoke(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="layerlint cache")
    cache.add_arguments(parser)
    code = cache.run(parser.parse_args(argv))
    return code, capsys.readouterr().out


def as_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    code, out = invoke([*argv, "--format", "json"], capsys)
    assert code == 0
    return json.loads(out)


def firsts(doc: dict) -> list[tuple[int, str, str] | None]:
    out = []
    for stage in doc["stages"]:
        f = stage["first_invalidated"]
        out.append(None if f is None else (f["line"], f["keyword"], f["cause"]))
    return out


# --------------------------------------------------------------------------- --changed


def test_changed_paths_relative_to_the_current_directory(repo: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(repo / "notes")
    doc = as_json(["../Dockerfile", "--changed", "../app.py", str(repo / "notes" / "todo.md")], capsys)
    assert doc["changes"]["files"] == ["app.py"]
    assert doc["changes"]["ignored"] == ["notes/todo.md"]
    assert firsts(doc) == [(5, "COPY", "file"), (9, "COPY", "stage")]
    first = doc["stages"][0]["first_invalidated"]
    assert first["files"] == ["app.py"] and first["reason"].startswith("app.py changed")
    assert doc["summary"]["layers"] == {"total": 6, "rebuilt": 3, "maybe": 0}
    statuses = [i["status"] for i in doc["stages"][0]["instructions"]]
    assert statuses == ["reused", "reused", "reused", "reused", "rebuilt", "rebuilt"]


def test_ignored_or_outside_files_rebuild_nothing(repo: Path, tmp_path_factory, capsys) -> None:  # type: ignore[no-untyped-def]
    elsewhere = tmp_path_factory.mktemp("other") / "x.txt"
    doc = as_json([str(repo / "Dockerfile"), "--changed", str(repo / "notes/todo.md"), str(elsewhere)], capsys)
    assert firsts(doc) == [None, None]
    assert doc["changes"]["outside_context"] == [str(elsewhere)]
    assert doc["summary"]["layers"]["rebuilt"] == 0


def test_a_changed_directory_stands_for_its_files(repo: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _write(repo, {"pkg/a.py": "", "pkg/b.py": ""})
    doc = as_json([str(repo / "Dockerfile"), "--changed", str(repo / "pkg")], capsys)
    assert doc["changes"]["files"] == ["pkg/a.py", "pkg/b.py"]


def test_changed_arg_and_base(repo: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _write(repo, {"Dockerfile": DOCKERFILE.replace("RUN python", "ARG BUILD_ID\nRUN python")})
    doc = as_json([str(repo / "Dockerfile"), "--changed-arg", "BUILD_ID=42"], capsys)
    assert firsts(doc) == [(7, "RUN", "build-arg"), (10, "COPY", "stage")]
    assert doc["changes"]["build_args"] == ["BUILD_ID"]
    doc = as_json([str(repo / "Dockerfile"), "--changed-base", "python"], capsys)
    assert firsts(doc) == [(1, "FROM", "base"), (9, "FROM", "base")]


def test_a_change_must_be_named(repo: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match="name a change"):
        invoke([str(repo / "Dockerfile")], capsys)
    with pytest.raises(UsageError, match="NAME"):
        invoke([str(repo / "Dockerfile"), "--changed-arg", "=1"], capsys)


def test_missing_dockerfile_exits_2(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _ = invoke([str(tmp_path / "nope"), "--changed", "x"], capsys)
    assert code == 2


# --------------------------------------------------------------------------- --since


@needs_git
def test_since_takes_modified_and_untracked_files(repo: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (repo / "requirements.txt").write_text("flask\nrequests\n")
    (repo / "new.py").write_text("")
    doc = as_json([str(repo / "Dockerfile"), "--since", "HEAD"], capsys)
    assert sorted(doc["changes"]["files"]) == ["new.py", "requirements.txt"]
    assert firsts(doc) == [(3, "COPY", "file"), (9, "COPY", "stage")]


@needs_git
def test_since_finds_the_edited_instruction(repo: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (repo / "Dockerfile").write_text(DOCKERFILE.replace("compileall .", "compileall -q ."))
    doc = as_json([str(repo / "Dockerfile"), "--since", "HEAD"], capsys)
    assert doc["changes"]["dockerfile"] is True
    # the Dockerfile is in the context too, so `COPY . .` sees it first
    assert firsts(doc)[0] == (5, "COPY", "file")
    (repo / ".dockerignore").write_text("notes/\nDockerfile\n")
    (repo / "Dockerfile").write_text(DOCKERFILE)
    _git(repo, "commit", "-qam", "ignore the Dockerfile")
    (repo / "Dockerfile").write_text(DOCKERFILE.replace("compileall .", "compileall -q ."))
    doc = as_json([str(repo / "Dockerfile"), "--since", "HEAD"], capsys)
    assert firsts(doc) == [(6, "RUN", "edit"), (9, "COPY", "stage")]


@needs_git
def test_since_reads_the_old_dockerignore(repo: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (repo / ".dockerignore").write_text("")  # notes/ is now sent
    doc = as_json([str(repo / "Dockerfile"), "--since", "HEAD"], capsys)
    assert "notes/todo.md" in doc["changes"]["dockerignore_flipped"]
    assert firsts(doc)[0] == (5, "COPY", "file")


@needs_git
def test_since_needs_a_repository_and_a_commit(repo: Path, tmp_path_factory, capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match="not a commit"):
        invoke([str(repo / "Dockerfile"), "--since", "no-such-ref"], capsys)
    plain = tmp_path_factory.mktemp("plain")
    _write(plain, FILES)
    env = {"GIT_CEILING_DIRECTORIES": str(plain.parent)}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        with pytest.raises(UsageError, match="not inside a git repository"):
            invoke([str(plain / "Dockerfile"), "--since", "HEAD"], capsys)
    finally:
        for k, v in old.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)


# --------------------------------------------------------------------------- text


def test_text_view_marks_lines_and_honours_no_color(repo: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("FORCE_COLOR", "1")
    code, out = invoke([str(repo / "Dockerfile"), "--changed", str(repo / "app.py")], capsys)
    assert code == 0 and "\x1b[" not in out
    lines = out.splitlines()
    assert " 3 =  COPY requirements.txt ." in lines
    assert " 5 !  COPY . ." in lines
    assert any(line.strip() == "└─ app.py changed (COPY source `.`)" for line in lines)
    assert " 6 *  RUN python -m compileall ." in lines
    assert "A change to app.py rebuilds 3 of 6 layers" in out


def test_text_view_colors_on_request(repo: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    _, out = invoke([str(repo / "Dockerfile"), "--changed", str(repo / "app.py")], capsys)
    assert "\x1b[2m 3 =  COPY requirements.txt .\x1b[0m" in out  # reused: dimmed
    assert "\x1b[31;1m 5 !  COPY . .\x1b[0m" in out  # first rebuilt: highlighted
    _, plain = invoke([str(repo / "Dockerfile"), "--changed", str(repo / "app.py"), "--no-color"], capsys)
    assert "\x1b[" not in plain


def test_what_if_for_an_install_after_a_broad_copy(repo: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    text = 'FROM python:3.12-slim\nWORKDIR /src\nCOPY . .\nRUN pip install -r requirements.txt\nCMD ["python"]\n'
    _write(repo, {"Dockerfile": text})
    doc = as_json([str(repo / "Dockerfile"), "--changed", str(repo / "app.py")], capsys)
    assert doc["summary"]["layers"]["rebuilt"] == 2
    what_if = doc["what_if"]
    assert what_if["layers"]["rebuilt"] == 1
    assert "COPY requirements.txt /src/\nRUN pip install -r requirements.txt\nCOPY . .\n" in what_if["dockerfile"]
    _, out = invoke([str(repo / "Dockerfile"), "--changed", str(repo / "app.py"), "--no-color"], capsys)
    assert "would rebuild 1 layer" in out


@needs_git
def test_cache_mounts_from_git_changes(repo: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    text = (
        "FROM python:3.12-slim\nWORKDIR /app\n"
        "RUN --mount=type=cache,target=/root/.cache/pip --mount=type=bind,source=requirements.txt,target=r.txt \\\n"
        "    pip install -r r.txt\nCOPY . .\n"
    )
    (repo / "Dockerfile").write_text(text)
    _git(repo, "commit", "-qam", "cache mounts")
    (repo / "app.py").write_text("print(2)\n")
    doc = as_json([str(repo / "Dockerfile"), "--since", "HEAD"], capsys)
    assert firsts(doc) == [(5, "COPY", "file")]  # the install's cache mount and bind source did not change
    (repo / "requirements.txt").write_text("flask\nrequests\n")
    doc = as_json([str(repo / "Dockerfile"), "--since", "HEAD"], capsys)
    assert firsts(doc) == [(3, "RUN", "file")]
    assert "bind mount" in doc["stages"][0]["first_invalidated"]["reason"]


def test_notes_when_the_old_text_is_unknown(repo: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    doc = as_json(
        [str(repo / "Dockerfile"), "--changed", str(repo / "Dockerfile"), str(repo / ".dockerignore")], capsys
    )
    assert doc["changes"]["dockerfile"] is True
    assert any("--since" in note and "edited" in note for note in doc["notes"])
    assert any(".dockerignore changed" in note for note in doc["notes"])
