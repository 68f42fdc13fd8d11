"""The CLI on hostile file systems and configs: one clear line, the right exit code, no traceback.

Also: linting never touches the network or runs a program, and config files never run code.
Tests run as root on CI, where ``chmod 000`` does not stop a read, so unreadable paths are
made with what even root cannot read: FIFOs nobody writes to, dangling symlinks, symlink
loops, directories where a file is expected.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from layerlint.cli import main

REPO = Path(__file__).resolve().parents[1]
posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"), reason="needs FIFOs and /dev/zero")
CORPUS = REPO / "tests" / "corpus"
CLEAN = "FROM alpine:3.20\nCMD [\"true\"]\n"
FLAGGED = "FROM alpine:3.20\nMAINTAINER someone\n"  # LL510 on line 2, nothing else


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--no-color"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    return code, out, err


def codes(out: str) -> list[tuple[str, str, int]]:
    return [(Path(f["path"]).name, f["code"], f["line"]) for f in json.loads(out)]


# --------------------------------------------------------------------------- paths


@posix_only
def test_unreadable_entries_in_a_directory_are_skipped_and_the_rest_is_linted(tmp_path: Path, capsys) -> None:
    (tmp_path / "Dockerfile").write_text(FLAGGED)
    os.mkfifo(tmp_path / "api.Dockerfile")  # a FIFO: reading it would block forever
    (tmp_path / "web.Dockerfile").symlink_to(tmp_path / "missing")  # dangling
    (tmp_path / "a.Dockerfile").symlink_to(tmp_path / "b.Dockerfile")  # a loop
    (tmp_path / "b.Dockerfile").symlink_to(tmp_path / "a.Dockerfile")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)  # a directory loop
    if os.geteuid() != 0:
        locked = tmp_path / "locked.Dockerfile"
        locked.write_text(CLEAN)
        locked.chmod(0)
    code, out, err = run(capsys, "--format", "json", str(tmp_path))
    assert codes(out) == [("Dockerfile", "LL510", 2)]
    assert code == (1 if os.geteuid() == 0 else 2)


@posix_only
def test_unreadable_files_named_explicitly_get_one_line_each(tmp_path: Path, capsys) -> None:
    good = tmp_path / "Dockerfile"
    good.write_text(FLAGGED)
    dangling = tmp_path / "dangling.Dockerfile"
    dangling.symlink_to(tmp_path / "missing")
    loop = tmp_path / "loop.Dockerfile"
    loop.symlink_to(loop)
    folder = tmp_path / "dir.Dockerfile"
    folder.mkdir()
    code, out, err = run(capsys, "--format", "json", str(dangling), str(loop), "/dev/zero", str(good))
    assert code == 2
    assert codes(out) == [("Dockerfile", "LL510", 2)]
    assert err.splitlines() == [
        f"layerlint: {dangling}: no such file",
        f"layerlint: {loop}: cannot read (Too many levels of symbolic links)",
        "layerlint: /dev/zero: not a regular file",
    ]
    code, _, err = run(capsys, "layers", str(folder))
    assert (code, err) == (2, f"layerlint: {folder}: is a directory, not a Dockerfile\n")


@posix_only
def test_a_fifo_nobody_writes_to_reads_as_empty_instead_of_hanging(tmp_path: Path, capsys) -> None:
    fifo = tmp_path / "Dockerfile"
    os.mkfifo(fifo)
    code, out, _ = run(capsys, "--format", "json", str(fifo))
    assert (code, codes(out)) == (1, [("Dockerfile", "LL001", 1)])  # "file with no instructions"


def test_a_directory_named_dockerfile_is_searched_not_read(tmp_path: Path, capsys) -> None:
    (tmp_path / "Dockerfile").mkdir()
    (tmp_path / "Dockerfile" / "Containerfile").write_text(FLAGGED)
    code, out, _ = run(capsys, "--format", "json", str(tmp_path))
    assert (code, codes(out)) == (1, [("Containerfile", "LL510", 2)])
    code, out, _ = run(capsys, str(tmp_path / "Dockerfile" / "Dockerfile"))
    assert code == 2


def test_empty_and_blank_files_are_a_syntax_finding(tmp_path: Path, capsys) -> None:
    for name, text in (("Dockerfile", ""), ("b.Dockerfile", "\n\n  \n# only a comment\n"), ("c.Dockerfile", "\ufeff")):
        (tmp_path / name).write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "--format", "json", "--select", "LL001", str(tmp_path))
    assert code == 1
    assert sorted(n for n, c, _ in codes(out) if c == "LL001") == ["Dockerfile", "b.Dockerfile", "c.Dockerfile"]


def test_stdin_text_and_bytes(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(FLAGGED.encode())))
    code, out, _ = run(capsys, "--format", "json", "--stdin-filename", "svc/Dockerfile", "-")
    assert (code, json.loads(out)[0]["path"], codes(out)) == (1, "svc/Dockerfile", [("Dockerfile", "LL510", 2)])
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"FROM alpine\n\xc3\x28\n")))
    code, out, err = run(capsys, "-")
    assert (code, err) == (2, "layerlint: -:2:1: invalid UTF-8 (byte 0xc3)\n")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    code, out, _ = run(capsys, "--format", "json", "--select", "LL001", "-")
    assert (code, codes(out)) == (1, [("-", "LL001", 1)])


def test_thousands_of_files_in_worker_processes(tmp_path: Path, capsys) -> None:
    names = []
    for i in range(1500):
        folder = tmp_path / f"svc{i // 100}"
        folder.mkdir(exist_ok=True)
        (folder / f"app{i}.Dockerfile").write_text(FLAGGED)
        names.append(f"app{i}.Dockerfile")
    code, out, _ = run(capsys, "--format", "json", "--jobs", "2", str(tmp_path))
    assert code == 1
    found = codes(out)
    assert sorted(n for n, _, _ in found) == sorted(names)
    assert {(c, ln) for _, c, ln in found} == {("LL510", 2)}


# --------------------------------------------------------------------------- configs


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (".layerlint.yaml", "selct: [LL1]\n", ".layerlint.yaml:1: unknown key 'selct' (did you mean 'select'?)"),
        (".layerlint.yaml", "select: [LL1\n", ".layerlint.yaml:2: invalid YAML: "),
        (".layerlint.yaml", "ignore: LL1: x\n", ".layerlint.yaml:1: invalid YAML: "),
        (".layerlint.yaml", "- just\n- a list\n", ".layerlint.yaml:1: expected a mapping of settings at the top level"),
        (".layerlint.yaml", "failure-threshold: loud\n", ".layerlint.yaml:1: "),
        ("pyproject.toml", "[tool.layerlint]\nselect = [\n", "pyproject.toml:1: invalid TOML: "),
        ("pyproject.toml", "[tool.layerlint]\nbogus = 1\n", "pyproject.toml:2: unknown key 'bogus'"),
        (".hadolint.yaml", "ignored: [DL3008\n", ".hadolint.yaml:2: invalid YAML: "),
    ],
)
def test_bad_config_is_one_line_and_exit_2(tmp_path: Path, monkeypatch, capsys, name: str, text: str, message: str) -> None:
    (tmp_path / name).write_text(text)
    (tmp_path / "Dockerfile").write_text(FLAGGED)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "Dockerfile")
    assert code == 2 and not out
    assert err.startswith(f"layerlint: error: {message}"), err
    assert len(err.splitlines()) == 1


PAYLOADS = [
    "{key}: !!python/object/apply:os.system ['touch {mark}']\n",
    "!!python/object/apply:os.system ['touch {mark}']\n",
    "{key}: [!!python/object/new:subprocess.Popen [['touch', '{mark}']]]\n",
    "{key}: !!python/object/apply:subprocess.check_output [['touch', '{mark}']]\n",
    "{key}: !!python/name:os.system\n",
    "{key}: !!binary aGVsbG8=\n",
    "a: &a [*a, *a]\n{key}: *a\n",
]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize(("name", "key"), [(".layerlint.yaml", "select"), (".hadolint.yaml", "ignored")])
def test_config_files_never_run_code(tmp_path: Path, monkeypatch, capsys, name: str, key: str, payload: str) -> None:
    mark = tmp_path / "ran"
    (tmp_path / name).write_text(payload.format(key=key, mark=mark))
    (tmp_path / "Dockerfile").write_text(FLAGGED)
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "Dockerfile")
    assert not mark.exists()
    if name == ".layerlint.yaml":
        assert code == 2 and err.startswith(f"layerlint: error: {name}:"), err
    else:  # hadolint's loader keeps tagged values as plain text: an unknown code is ignored, as hadolint does
        assert code in (0, 1, 2) and ("ran" not in err)


# --------------------------------------------------------------------------- no network, no programs


@pytest.fixture
def sealed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record (and refuse) any attempt to reach the network or start a program."""
    attempts: list[str] = []

    def refuse(what: str):  # type: ignore[no-untyped-def]
        def blocked(*args, **kwargs):  # type: ignore[no-untyped-def]
            attempts.append(f"{what}{args[:2]}")
            raise OSError(f"{what} is not allowed while linting")

        return blocked

    for name in ("connect", "connect_ex", "sendto"):
        monkeypatch.setattr(socket.socket, name, refuse(f"socket.{name}"))
    for name in ("create_connection", "getaddrinfo", "gethostbyname"):
        monkeypatch.setattr(socket, name, refuse(f"socket.{name}"))
    monkeypatch.setattr(subprocess.Popen, "__init__", refuse("subprocess.Popen"))
    for name in ("system", "popen", "execv", "execve", "execvp", "posix_spawn", "posix_spawnp", "fork"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, refuse(f"os.{name}"))
    return attempts


def test_linting_never_reaches_the_network_or_runs_programs(tmp_path: Path, sealed: list[str], capsys) -> None:
    sys.path.insert(0, str(REPO / "benchmarks"))
    from gen_corpus import generate

    for name, text in generate(30, seed=3, huge=1):
        (tmp_path / name).write_text(text)
    (tmp_path / "remote.Dockerfile").write_text(
        "FROM alpine:3.20\nADD https://example.com/x.tgz /x\nADD git@github.com:moby/buildkit.git /src\n"
        "RUN curl -fsSL https://example.com/i.sh | sh\n"
    )
    code, out, _ = run(capsys, "--jobs", "1", "--fix", "--diff", str(CORPUS))
    assert code == 1 and out.startswith("---")
    for fmt in ("sarif", "text"):
        code, out, _ = run(capsys, "--format", fmt, "--jobs", "1", str(CORPUS), str(tmp_path))
        assert code == 1 and out
    code, out, _ = run(capsys, "layers", "--format", "json", str(CORPUS / "python-fastapi" / "Dockerfile"))
    assert code == 0 and json.loads(out)["stages"]
    assert sealed == []
