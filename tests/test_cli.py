"""The command line: discovery, stdin, JSON schemas, bad input and exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from layerlint.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "Dockerfile"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_syntax_error_finding_in_json(tmp_path: Path, capsys) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text('FROM alpine\nCMD ["a", ["b"]]\n')
    code, out, _ = run(capsys, "--format", "json", "--select", "LL001", str(f))
    assert code == 1
    (item,) = json.loads(out)
    assert set(item) >= {"path", "code", "name", "category", "severity", "message", "line", "column",
                         "end_line", "end_column", "aliases", "fix"}
    assert (item["code"], item["category"], item["severity"], item["line"], item["column"]) == ("LL001", "syntax", "error", 2, 5)
    assert item["aliases"] == ["DL1000"] and item["fix"] is None


def test_bad_files_get_one_line_each_and_others_are_still_linted(tmp_path: Path, capsys) -> None:
    good = tmp_path / "Dockerfile"
    good.write_text('FROM alpine\nCMD ["a", 1]\n')
    binary = tmp_path / "bin.Dockerfile"
    binary.write_bytes(b"FROM alpine\n\x00\x01")
    latin = tmp_path / "latin.Dockerfile"
    latin.write_bytes(b"FROM alpine\nLABEL a=\xe9\n")
    missing = tmp_path / "missing"
    code, out, err = run(capsys, "--select", "LL001", "--format", "concise",
                         str(good), str(binary), str(latin), str(missing))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 3
    assert "binary file" in lines[0] and str(binary) in lines[0]
    assert f"{latin}:2:9: invalid UTF-8" in lines[1]
    assert "no such file" in lines[2]
    assert "Traceback" not in err
    assert out.count("LL001") == 1 and str(good) in out


def test_layers_of_a_directory_is_a_one_line_error(tmp_path: Path, capsys) -> None:
    code, out, err = run(capsys, "layers", str(tmp_path))
    assert code == 2 and out == ""
    assert err == f"layerlint: {tmp_path}: is a directory, not a Dockerfile\n"


def test_directory_discovery(tmp_path: Path, capsys) -> None:
    for name in ("Dockerfile", "api.Dockerfile", "Containerfile.dev", "notes.txt", "x.dockerignore"):
        (tmp_path / name).write_text("FROM alpine\n")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "Dockerfile").write_text("FROM alpine\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "Dockerfile").write_text("FROM alpine\n")
    code, out, _ = run(capsys, "--select", "LL001", str(tmp_path))
    assert code == 0
    assert "All checks passed (3 files)." in out


def test_stdin_with_filename(monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"FROM alpine\nRUN <<EOF\n")))
    code, out, _ = run(capsys, "-", "--stdin-filename", "svc/Dockerfile", "--select", "LL001", "--format", "concise")
    assert code == 1
    assert out.startswith("svc/Dockerfile:2:5: LL001 [error] unterminated heredoc EOF")


def test_exit_zero_and_threshold(tmp_path: Path, capsys) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text("FROM alpine\nCOPY onlyone\n")
    assert run(capsys, "--select", "LL002", str(f))[0] == 1
    assert run(capsys, "--select", "LL002", "--exit-zero", str(f))[0] == 0
    assert run(capsys, "--select", "LL002", "--failure-threshold", "bogus", str(f))[0] == 2


def test_text_report_has_caret_under_span(tmp_path: Path, capsys) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text("FROM alpine\nCOPY --nope=1 a b\n")
    code, out, _ = run(capsys, "--select", "LL002", "--no-color", str(f))
    lines = out.splitlines()
    assert lines[0] == f"{f}:2:6: LL002 unknown flag: nope"
    assert lines[1].endswith("| COPY --nope=1 a b")
    assert lines[2].endswith("|      ^^^^^^^^")
    assert lines[-1].startswith("Found 1 finding (1 error)")


def test_layers_json_schema(capsys) -> None:
    code, out, _ = run(capsys, "layers", "--format", "json", str(EXAMPLE))
    assert code == 0
    doc = json.loads(out)
    assert set(doc) >= {"path", "builder", "target", "stages", "image"}
    assert doc["builder"] == "buildkit"
    stage = doc["stages"][0]
    assert set(stage) >= {"index", "name", "base", "reaches_target", "instructions"}
    ins = stage["instructions"][0]
    assert set(ins) >= {"keyword", "line", "end_line", "column", "layer", "flags", "heredocs"}
    assert ins["keyword"] == "FROM" and ins["layer"] == "base"
    kinds = {i["keyword"]: i["layer"] for s in doc["stages"] for i in s["instructions"]}
    assert kinds["RUN"] == "filesystem" and kinds["ENV"] == "metadata" and kinds["WORKDIR"] == "filesystem"
    created = doc["image"]["layers"]["created"]
    target = doc["stages"][-1]
    assert created == sum(1 for i in target["instructions"] if i["layer"] == "filesystem")


def test_layers_classic_builder_drops_workdir_layers(capsys) -> None:
    _, out_bk, _ = run(capsys, "layers", "--format", "json", str(EXAMPLE))
    _, out_cl, _ = run(capsys, "layers", "--format", "json", "--builder", "classic", str(EXAMPLE))
    workdirs = sum(1 for i in json.loads(out_bk)["stages"][-1]["instructions"] if i["keyword"] == "WORKDIR")
    assert workdirs == 1
    assert json.loads(out_bk)["image"]["layers"]["created"] - json.loads(out_cl)["image"]["layers"]["created"] == workdirs


def test_layers_text_table(capsys) -> None:
    code, out, _ = run(capsys, "layers", "--no-color", str(EXAMPLE))
    assert code == 0
    assert "stage 0 'build'" in out and "+layer" in out
    assert out.rstrip().splitlines()[-1].startswith("Image: ")


def test_explain_by_alias(capsys) -> None:
    code, out, _ = run(capsys, "explain", "DL1000")
    assert code == 0 and out.startswith("LL001 syntax-error")
    assert run(capsys, "explain", "nope")[0] == 2


def test_entry_point_runs_as_a_process() -> None:
    proc = subprocess.run([sys.executable, "-m", "layerlint", "rules", "--format", "json"], capture_output=True, text=True)
    assert proc.returncode == 0
    ids = [r["id"] for r in json.loads(proc.stdout)]
    assert "LL001" in ids and ids == sorted(ids)


def test_layers_json_lists_global_args_in_a_leading_entry(tmp_path: Path, capsys) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text("ARG V=1\nFROM alpine:$V\nRUN true\n")
    _, out, _ = run(capsys, "layers", "--format", "json", str(f))
    doc = json.loads(out)
    assert [s["index"] for s in doc["stages"]] == [None, 0]
    assert doc["stages"][0]["global"] is True
    assert [i["keyword"] for s in doc["stages"] for i in s["instructions"]] == ["ARG", "FROM", "RUN"]
    assert doc["stages"][1]["base"] == "alpine:1"


def test_jobs_give_the_same_findings_in_the_same_order(tmp_path: Path, capsys) -> None:
    for n in range(12):
        (tmp_path / f"s{n:02}.Dockerfile").write_text(f"FROM alpine\nCOPY only{n}\n")
    code1, serial, _ = run(capsys, "--select", "LL002", "--format", "concise", "--jobs", "1", str(tmp_path))
    code2, parallel, _ = run(capsys, "--select", "LL002", "--format", "concise", "--jobs", "2", str(tmp_path))
    assert code1 == code2 == 1
    assert serial == parallel and serial.count("LL002") == 12


def test_cache_subcommand_is_wired(capsys) -> None:
    code, out, _ = run(capsys, "cache", str(EXAMPLE), "--changed", str(EXAMPLE.parent / "app.py"), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    first = [s["first_invalidated"] for s in doc["stages"]]
    assert first[0]["line"] == 6 and first[0]["keyword"] == "COPY"
