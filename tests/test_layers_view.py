"""``layerlint layers``: size fields in JSON, bars in text, and the self-contained HTML report."""

from __future__ import annotations

import argparse
import json
import re
from html.parser import HTMLParser
from pathlib import Path

from layerlint.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "Dockerfile"
WASTEFUL = """FROM debian:bookworm
WORKDIR /app
COPY . .
RUN apt-get update && apt-get install -y --no-install-recommends curl
RUN chown -R nobody /app
RUN rm -rf /var/lib/apt/lists/*
CMD ["curl", "--version"]
"""


def layers(capsys, *args: str) -> tuple[int, str]:
    code = main(["layers", *args])
    return code, capsys.readouterr().out


def project(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text(WASTEFUL)
    (tmp_path / "data.bin").write_bytes(b"\1" * 20_000)
    return tmp_path / "Dockerfile"


def test_json_adds_size_objects_without_renaming_fields(capsys, tmp_path: Path) -> None:
    code, out = layers(capsys, "--format", "json", str(project(tmp_path)))
    doc = json.loads(out)
    assert code == 0
    stage = doc["stages"][0]
    assert set(stage) >= {"index", "name", "base", "reaches_target", "layers", "instructions", "size"}
    by_line = {i["line"]: i for i in stage["instructions"]}
    for ins in stage["instructions"]:
        size = ins["size"]
        assert set(size) >= {"low", "estimate", "high", "basis", "compressed", "wasted", "parts"}
        assert size["low"] <= size["estimate"] and (size["high"] is None or size["estimate"] <= size["high"])
    assert by_line[1]["size"]["basis"].startswith("base image table")
    assert by_line[3]["size"]["basis"] == "build context: 2 files, no .dockerignore"
    assert by_line[3]["size"]["estimate"] == 20_000 + len(WASTEFUL)
    assert by_line[7]["size"] == {"low": 0, "estimate": 0, "high": 0, "basis": "image config only: no files",
                                  "compressed": {"low": 0, "estimate": 0, "high": 0},
                                  "wasted": {"low": 0, "estimate": 0, "high": 0, "by": []}, "parts": []}
    lists = by_line[4]["size"]
    assert any(p["what"] == "apt package lists" for p in lists["parts"])
    assert lists["wasted"]["by"][0]["by_line"] == 6 and lists["wasted"]["by"][0]["op"] == "remove"
    image = doc["image"]
    assert image["layers"]["created"] == 5
    assert set(image["size"]) >= {"low", "estimate", "high", "base", "created", "compressed", "efficiency"}
    wasted = image["wasted_bytes"]
    assert {(w["line"], w["by_line"], w["op"]) for w in wasted["by"]} == {(3, 5, "chown"), (4, 6, "remove")}
    assert wasted["estimate"] == sum(w["estimate"] for w in wasted["by"])
    assert 0 < image["size"]["efficiency"] < 1


def test_text_draws_a_bar_per_layer_and_lists_the_waste(capsys, tmp_path: Path) -> None:
    code, out = layers(capsys, "--no-color", str(project(tmp_path)))
    assert code == 0
    rows = {int(m.group(1)): m.group(0) for m in re.finditer(r"^\s+(\d+)\s+(?:\+layer|base|-).*$", out, re.MULTILINE)}
    heaviest = max((r.count("█") + r.count("░"), line) for line, r in rows.items())
    assert heaviest[1] == 4  # the apt install carries the most bytes
    assert rows[4].count("█") + rows[4].count("░") == 24 and "░" in rows[4]
    assert "wasted: remove /var/lib/apt/lists/* at line 6" in out
    assert re.search(r"^Size: .* on disk, .* compressed", out, re.MULTILINE)
    assert re.search(r"^Wasted: .*efficiency \d+\.\d%", out, re.MULTILINE)
    assert out.rstrip().splitlines()[-1].startswith("Image: ")


def test_other_platforms_are_flagged(capsys, tmp_path: Path) -> None:
    _, out = layers(capsys, "--format", "json", "--platform", "linux/arm64", str(project(tmp_path)))
    image = json.loads(out)["image"]
    assert any("only linux/amd64" in n for n in image["size"]["notes"])
    assert image["size"]["high"] is None


def test_context_option_points_copies_at_another_folder(capsys, tmp_path: Path) -> None:
    dockerfile = project(tmp_path)
    other = tmp_path / "ctx"
    other.mkdir()
    (other / "only.txt").write_text("x" * 123)
    _, out = layers(capsys, "--format", "json", "--context", str(other), str(dockerfile))
    copy = json.loads(out)["stages"][0]["instructions"][2]
    assert copy["size"]["estimate"] == 123


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def html_report(tmp_path: Path, dockerfile: Path) -> str:
    from layerlint.commands.layers import run

    out = tmp_path / "report.html"
    args = argparse.Namespace(path=str(dockerfile), format="html", output_file=str(out), no_color=True, context=None,
                              platform=None, target=None, builder=None, build_arg=[], config=None, isolated=True)
    assert run(args) == 0
    return out.read_text(encoding="utf-8")


def test_html_report_is_self_contained_with_a_bar_per_stage(tmp_path: Path) -> None:
    page = html_report(tmp_path, project(tmp_path))
    parsed = _Collector()
    parsed.feed(page)
    tags = parsed.tags
    # no network, no external assets
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert not any(t in ("script", "link", "img", "iframe") and (a.get("src") or a.get("href")) for t, a in tags)
    stages = [a for t, a in tags if t == "section" and "stage" in (a.get("class") or "")]
    assert len(stages) == 1
    segments = [a for t, a in tags if t == "div" and "segment" in (a.get("class") or "").split()]
    assert len(segments) == 5  # one per created layer
    hovers = [a.get("title") or "" for a in segments]
    assert any("RUN apt-get update" in h for h in hovers)
    wasted = [a for t, a in tags if "wasted" in (a.get("class") or "").split()]
    assert wasted, "wasted bytes are highlighted on the layer that carries them"
    assert any("range" in (a.get("class") or "").split() for t, a in tags)


def test_html_lists_the_costliest_findings_first(tmp_path: Path) -> None:
    page = html_report(tmp_path, project(tmp_path))
    findings = re.findall(r'<li class="finding"[^>]*data-bytes="(\d+)"[^>]*>.*?<code>(LL\d+)</code>', page, re.DOTALL)
    assert findings, "the lint findings are listed"
    costs = [int(b) for b, _ in findings]
    assert costs == sorted(costs, reverse=True)
    assert findings[0][1] in ("LL301", "LL312", "LL313")


def test_target_and_build_args_choose_the_image_that_is_sized(capsys, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "ARG BASE=debian:bookworm\nFROM $BASE AS build\nRUN apt-get update && apt-get install -y --no-install-recommends"
        " jq && rm -rf /var/lib/apt/lists/*\nFROM debian:bookworm-slim\nCOPY --from=build /usr/bin/jq /usr/bin/jq\n")
    _, out = layers(capsys, "--format", "json", "--target", "build", str(tmp_path / "Dockerfile"))
    doc = json.loads(out)
    build = next(s for s in doc["stages"] if s.get("name") == "build")
    assert doc["image"]["size"]["estimate"] == build["size"]["image"]["estimate"]
    _, out = layers(capsys, "--format", "json", "--build-arg", "BASE=debian:bookworm-slim", str(tmp_path / "Dockerfile"))
    build = next(s for s in json.loads(out)["stages"] if s.get("name") == "build")
    assert "debian:bookworm-slim" in build["size"]["base"]["basis"]


def test_image_base_layer_count_comes_from_the_base_image_table() -> None:
    from layerlint.build import analyze
    from layerlint.layers import view
    from layerlint.parse import parse_text

    known = view(analyze(parse_text("FROM python:3.12-slim\nRUN true\n")), "Dockerfile")
    assert isinstance(known["image"]["layers"]["base"], int) and known["image"]["layers"]["base"] > 0
    scratch = view(analyze(parse_text("FROM scratch\nCOPY a /a\n")), "Dockerfile")
    assert scratch["image"]["layers"]["base"] == 0
    unknown = view(analyze(parse_text("FROM example.invalid/private:1\nRUN true\n")), "Dockerfile")
    assert unknown["image"]["layers"]["base"] is None
